"""Bench-only settings: tallysync.settings with variants chosen by environment (bench/fanout.py).

BENCH_CHANNEL_LAYER=core|pubsub   with REDIS_URL: channels_redis.core.RedisChannelLayer (what
                                  the app picks when REDIS_URL is set) or
                                  channels_redis.pubsub.RedisPubSubChannelLayer
BENCH_LAYER_PREFIX=…              key prefix, so a bench never meets the groups of tests
                                  sharing the same Redis database (the layers' default: asgi)
BENCH_MIDDLEWARE=sync-last        the two sync-only middlewares (token sign-in, domain
                                  errors) moved below the async-capable ones, so Django runs
                                  the whole chain in one thread instead of hopping
                                  thread → event loop → thread in the middle of it
"""

import os

from tallysync.settings import *  # noqa: F403
from tallysync.settings import MIDDLEWARE, REDIS_URL

_BACKENDS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
if layer := os.environ.get("BENCH_CHANNEL_LAYER"):
    if not REDIS_URL:
        raise RuntimeError("BENCH_CHANNEL_LAYER needs REDIS_URL")
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": _BACKENDS[layer],
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": os.environ.get("BENCH_LAYER_PREFIX", "asgi"),
            },
        }
    }

SYNC_ONLY = ["companies.auth.TokenAuthenticationMiddleware", "companies.http.DomainErrorMiddleware"]
if os.environ.get("BENCH_MIDDLEWARE") == "sync-last":
    MIDDLEWARE = [m for m in MIDDLEWARE if m not in SYNC_ONLY] + [
        m for m in MIDDLEWARE if m in SYNC_ONLY
    ]
