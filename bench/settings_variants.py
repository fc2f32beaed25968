"""Bench-only settings: tallysync.settings with variants chosen by environment (bench/fanout.py).

BENCH_CHANNEL_LAYER=core|pubsub   with REDIS_URL: channels_redis.core.RedisChannelLayer (what
                                  the app picks when REDIS_URL is set) or
                                  channels_redis.pubsub.RedisPubSubChannelLayer
BENCH_LAYER_PREFIX=…              key prefix, so a bench never meets the groups of tests
                                  sharing the same Redis database (the layers' default: asgi)
BENCH_MIDDLEWARE=sync-last        a proposal, not adopted: the three sync-only middlewares
                                  (token sign-in, user limit, domain errors; in this order)
                                  moved from the middle of MIDDLEWARE to just before axes'
                                  AxesMiddleware, which stays last as django-axes asks. Under
                                  ASGI, Django runs everything outside the innermost sync-only
                                  middleware in a thread and everything inside it on the event
                                  loop, where each MiddlewareMixin hook is one more
                                  sync_to_async round trip: MessageMiddleware's process_request
                                  and process_response and XFrameOptionsMiddleware's
                                  process_response now run that way, and in a thread after the
                                  move (a request then makes 3 fewer loop <-> thread trips; the
                                  trip to the loop for the view itself stays either way).
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

SYNC_ONLY = [
    "companies.auth.TokenAuthenticationMiddleware",
    "server.middleware.UserLimitMiddleware",
    "core.http.DomainErrorMiddleware",
]
LAST = "axes.middleware.AxesMiddleware"
if os.environ.get("BENCH_MIDDLEWARE") == "sync-last":
    if not set(SYNC_ONLY) <= set(MIDDLEWARE) or MIDDLEWARE[-1] != LAST:  # the app moved on
        raise RuntimeError(f"sync-last expects {SYNC_ONLY} in MIDDLEWARE and {LAST} last")
    rest = [m for m in MIDDLEWARE if m not in SYNC_ONLY and m != LAST]
    MIDDLEWARE = [*rest, *SYNC_ONLY, LAST]
