"""Settings for TallySync: SQLite + in-memory channel layer by default, PostgreSQL/Redis by URL.

Importing it has no side effects: manage.py and tallysync.asgi prepare the data folder
(tallysync.var), the host list is looked up at the first request, and the test databases are
named by the pytest configuration (conftest.py).
"""

import datetime as dt
import os

import dj_database_url

from server.network import MachineHosts
from tallysync.env import env_bool, env_int, env_list
from tallysync.var import (  # noqa: F401 - BASE_DIR: the checkout's (or site-packages')
    BASE_DIR,
    FILES_DIR,
    key_read,
    secret_key_read,
    var_dir,
)

VAR_DIR = var_dir()

SECRET_KEY = secret_key_read(VAR_DIR)
# The Edit Log's HMAC key ($TALLYSYNC_EDITLOG_KEY or var/editlog_key), outside the database; and
# the append-only file each commit adds the company's new chain head to (editlog.head).
EDITLOG_KEY = key_read(VAR_DIR, "editlog_key")
EDITLOG_HEAD_FILE = VAR_DIR / "editlog_head"
DEBUG = env_bool("DEBUG")
# `manage.py serve` passes the hosts it computed, with the configured extra names (settings
# cannot read the database); otherwise only this computer's own names and addresses.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or MachineHosts()
# What `manage.py serve` started this process on (None otherwise), for the admin.
SERVING_ADDRESS = os.environ.get("TALLYSYNC_SERVING_ADDRESS") or None
SERVING_PORT = env_int("TALLYSYNC_SERVING_PORT", 0) or None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "core",
    "template_partials",
    "config",
    "companies",
    "ledgers",
    "vouchers",
    "editlog",
    "reports",
    "banking",
    "inventory",
    "gst",
    "books",
    "backups",
    "tallyxml",
    "locking",
    "sync",
    "server",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.http.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After AuthenticationMiddleware, which would otherwise put the session user back.
    "companies.auth.TokenAuthenticationMiddleware",
    "server.middleware.UserLimitMiddleware",
    "core.http.DomainErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a flagged sign-in into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tallysync.urls"
ASGI_APPLICATION = "tallysync.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [FILES_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "companies.context_processors.company",
                "sync.context_processors.live",
            ],
        },
    },
]

# Embedded default: one SQLite file in var/. WAL lets readers run beside the writer; IMMEDIATE
# takes the write lock at BEGIN, so each service's transaction is serialised up front (DESIGN §2)
# instead of failing with "database is locked" when it upgrades a read lock halfway through.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    # A save waits this long for another writer, then answers "the database is not
    # available" (core.http.server_error) — within the 5 s a user is promised.
    "timeout": 4,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA busy_timeout=4000;"
    ),
}
# A request thread (tallysync.handler's pool: threads are reused, not one per request) keeps
# its connection for a minute: opening one (SQLite's connect and PRAGMAs) was about a third of
# an empty request's CPU (bench/request_floor.py). A kept connection is checked at the start of
# the next request that uses it and replaced if the database dropped it (health checks).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'tallysync.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
else:
    # A stopped or unreachable server fails a request within 3 s instead of hanging.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3

# config_get keeps the ServerConfig row here for 5 s: local memory, so each process its own.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tallysync"}
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py's 5 s read timeout must outlast channels-redis's 5 s blocking reads,
            # or an idle subscription errors out every 5 s.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Edit locks: the lease (ServerConfig.lock_timeout) is checked for expiry this often.
LOCK_SWEEP_INTERVAL = env_int("LOCK_SWEEP_INTERVAL", 5)  # seconds

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Sign-in throttling (django-axes): every authenticate() — the sign-in page, /admin/ and
# /auth/token/ — passes through AxesStandaloneBackend. Failures count per user name AND address
# together, so one person mistyping behind the office's NAT locks out only themselves there.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # who then types the right password is not the one guessing
AXES_LOCKOUT_CALLABLE = "companies.signin.lockout_response"
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged
# An API token stops working this many days after it was issued (and at a password change).
API_TOKEN_DAYS = env_int("TALLYSYNC_TOKEN_DAYS", 90)
if API_TOKEN_DAYS < 1:
    raise ValueError("TALLYSYNC_TOKEN_DAYS: use a whole number of days, 1 or more")
# The largest Tally XML file the import page takes (the import streams it, so this guards the
# disk its upload is kept on, not memory).
TALLY_IMPORT_MAX_BYTES = env_int("TALLYSYNC_TALLY_IMPORT_MAX_MB", 500) * 1024 * 1024

# Production is the default (DEBUG off). Headers that cost a plain-HTTP office LAN nothing:
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Rows keep a hash of the cookie's key, so a copy of the database signs nobody in; still rows,
# not signed cookies, so sign-out ends a session on the server (docs/security.md).
SESSION_ENGINE = "companies.sessions"
# Pages carry the CSRF token themselves (htmx's hx-headers, the forms' hidden field, sync.js
# reads the field), so no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
# TALLYSYNC_HTTPS=1: the server is reached over TLS (through a reverse proxy that sets
# X-Forwarded-Proto and drops any the client sent); cookies and redirects then insist on it.
HTTPS = env_bool("TALLYSYNC_HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's plain-HTTP probe gets its answer
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [
    # HSTS for subdomains and the browsers' preload list are for public internet domains: an
    # office server's name does not own its siblings, and a LAN name cannot be preloaded.
    "security.W005",
    "security.W021",
]
if not HTTPS:
    # A plain-HTTP office LAN has no TLS to redirect to, pin (HSTS) or keep cookies to
    # (docs/security.md); set TALLYSYNC_HTTPS=1 behind TLS and these checks apply again.
    SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W008", "security.W012", "security.W016"]

LANGUAGE_CODE = "en-in"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [FILES_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"  # for `collectstatic` behind a reverse proxy
# uvicorn serves no files itself: WhiteNoise serves static/ straight from the app folders (no
# collectstatic step for `make run`), with caching headers; the office LAN needs no CDN.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # axes logs every sign-in at INFO (its AccessLog table keeps them); failures are WARNINGs.
    "loggers": {"axes": {"level": "WARNING"}},
}
