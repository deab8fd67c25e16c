"""The one settings file. Everything that differs between machines comes from the environment.

Embedded (default): SQLite file, in-memory channel layer, Celery with an in-memory broker whose
worker and beat run inside the server process (`manage.py run_embedded`).
Distributed: DATABASE_URL=postgres://... and REDIS_URL=redis://... shared by every process.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def env_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="")
    if raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env.str(name, default="")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env.str(name, default="")
    return [item.strip() for item in raw.split(",") if item.strip()] or default


DEBUG = env_bool("DEBUG", False)

# The port `make run` serves on (embedded server, or Daphne in the Procfile); also what
# seed_demo tells a new user to open.
PORT = env_int("PORT", 8000)
if not 1 <= PORT <= 65535:
    raise ImproperlyConfigured(f"PORT must be between 1 and 65535, got {PORT}")


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if not key and (path := env.str("SECRET_KEY_FILE", default="")):
        try:
            key = Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"SECRET_KEY_FILE {path!r} cannot be read: {exc}") from None
    if key:
        if len(key) < 32 or len(set(key)) < 5:
            raise ImproperlyConfigured(
                "SECRET_KEY is too weak: use at least 32 random characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
            )
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY (or SECRET_KEY_FILE), "
            "or DEBUG=1 for a development run."
        )
    # Development only: a random key kept in an ignored file so restarts keep sessions.
    dev_file = BASE_DIR / ".dev-secret-key"
    if not dev_file.exists():
        dev_file.write_text(secrets.token_urlsafe(50))
    return dev_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "contactcenter.views.csrf_failure"

INSTALLED_APPS = [
    "daphne",
    "contactcenter.apps.ContactCenterAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "channels",
    "guardian",
    "axes",
    "contactcenter.apps.ContactCenterConfig",
    "permissions",
    "workspace",
    "supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "contactcenter.middleware.health_probes",  # /healthz, /readyz: nothing below runs for them
    "contactcenter.middleware.private_no_store",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "contactcenter.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "contactcenter.middleware.organization_time_zone",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "contactcenter.middleware.OutageMiddleware",
    # Last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "contactcenter.urls"
ASGI_APPLICATION = "contactcenter.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_database_url = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
if not _database_url.startswith(("sqlite://", "postgres://", "postgresql://", "pgsql://")):
    raise ImproperlyConfigured("DATABASE_URL must be a sqlite:// or postgres:// URL.")
DATABASES = {"default": env.db_url_config(_database_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode: several threads write (requests, the in-process Celery worker); IMMEDIATE
    # transactions serialize writers instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must be a sqlite:// or postgres:// URL.")
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES and env_bool("DATABASE_POOL", True):
    # Channels closes a consumer's connection after every message it handles; without a pool
    # each live update opened a new PostgreSQL connection (~25 ms here) before rendering.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1, "max_size": env_int("DATABASE_POOL_MAX", 16), "timeout": 10,
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, Celery broker, cache -----------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must be a redis://, rediss:// or unix:// URL.")
EMBEDDED = not REDIS_URL

CHANNEL_LAYER_BACKENDS = {
    # channels_redis' pub/sub layer (the default): a group is a Redis pub/sub channel, and each
    # server process receives one copy of a group message for all its member sockets. Measured
    # with bench_realtime against the "core" layer (README, "Live updates").
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    # channels_redis' list-based layer: a copy per member channel, kept up to `expiry` seconds.
    "core": "channels_redis.core.RedisChannelLayer",
}
CHANNEL_LAYER_BACKEND = env.str("CHANNEL_LAYER_BACKEND", default="pubsub")
if CHANNEL_LAYER_BACKEND not in CHANNEL_LAYER_BACKENDS:
    raise ImproperlyConfigured(f"CHANNEL_LAYER_BACKEND must be one of: {', '.join(CHANNEL_LAYER_BACKENDS)}.")

if REDIS_URL:
    # Only channels_redis' documented options. A publish while Redis is away fails within a
    # second (socket_connect_timeout) instead of holding the request; the pages heal after it
    # returns (layers.py). The core layer blocks 5 s in BZPOPMIN when nothing comes: its reads
    # wait longer than that (redis-py 8's default 5 s would close an idle socket with 1011).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER_BACKEND],
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_connect_timeout": 1, "socket_timeout": 30}],
                       "prefix": env.str("CHANNELS_PREFIX", "cc")},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------------
# Tests never leave tasks behind in a shared Redis: they call tasks directly or run a worker.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# Several workers, any of which may die (run_distributed starts two). A task is acknowledged when
# it has run, not when it was taken, and a worker whose process died mid-task gives it back
# (every task is idempotent: it takes ids and checks the state it expects). One message reserved
# at a time per process: a killed worker holds as little as possible that another could be doing.
# What a killed worker held (an ETA task waiting for its time) comes back after the visibility
# timeout; until then the sweep below (any live worker runs it) ends whatever it missed.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Redis re-delivers a task nobody acknowledged after the visibility timeout, and a task due later
# counts as unacknowledged while it waits: the timeout must exceed the longest countdown, or the
# task would run twice. Longest: a wrap-up deadline (after_service_seconds <= 24 h); then an
# offer's expiry (offer_timeout_seconds <= 32,767 s, 9.1 h); delivery retries (<= 600 s).
# 2 days = 172,800 s.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 24 * 3600}
ROUTING_SWEEP_SECONDS = env_int("ROUTING_SWEEP_SECONDS", 5)
# A Ready agent whose last open workspace closed this long ago stops receiving new work (the
# sweep switches Recibir nuevo off, in the ledger): no call rings, no chat waits, at an empty desk.
DEVICE_GRACE_SECONDS = env_int("DEVICE_GRACE_SECONDS", 30)
# Status rules (/config/rules/) are evaluated by a beat task this often (and at once after the
# events that concern them, such as an offer that rang out).
RULES_CHECK_SECONDS = env_int("RULES_CHECK_SECONDS", 10)
# Supervisors who asked for the e-mail digest of their agents' status changes get one this often.
NOTIFICATION_DIGEST_MINUTES = env_int("NOTIFICATION_DIGEST_MINUTES", 60)
for _name, _value in (("RULES_CHECK_SECONDS", RULES_CHECK_SECONDS),
                      ("NOTIFICATION_DIGEST_MINUTES", NOTIFICATION_DIGEST_MINUTES)):
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1, got {_value}")
del _name, _value
# Attachments given by URL to the inbound API may point at private networks only when allowed
# (development and tests): otherwise a provider's payload could make the server fetch internal hosts.
CONNECTORS_ALLOW_PRIVATE_URLS = env_bool("CONNECTORS_ALLOW_PRIVATE_URLS", DEBUG)
# The address customers reach this server at (e.g. https://cc.example.com): the satisfaction
# survey's link sent to API providers is absolute with it. Empty: http://localhost:PORT.
PUBLIC_URL = env.str("PUBLIC_URL", default="").strip().rstrip("/") or f"http://localhost:{PORT}"
if not PUBLIC_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"PUBLIC_URL must start with http:// or https://, got {PUBLIC_URL!r}")

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "contactcenter.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous users get nothing.
GUARDIAN_MONKEY_PATCH_USER = False
# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username, or
# from one address, that username / address is refused for LOGIN_COOLOFF_MINUTES (a cool-off, never
# a permanent lock: an attacker cannot shut an agent out for good). The lockout is audited; an
# administrator lifts it early in Django admin (Access attempts).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "contactcenter.views.login_locked_out"
AXES_ENABLE_ADMIN = False  # registered in contactcenter/admin/accounts.py, scoped to the admin's organization
AXES_VERBOSE = False
# The client address: the connection's, unless a trusted proxy in front sets X-Forwarded-For
# (BEHIND_PROXY=1); a header a client can send must not choose whose attempts are counted.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if BEHIND_PROXY else ("REMOTE_ADDR",)
AXES_IPWARE_PROXY_COUNT = 1 if BEHIND_PROXY else None
# Password reset: at most this many requests per address (and per e-mail) an hour.
PASSWORD_RESET_LIMIT = env_int("PASSWORD_RESET_LIMIT", 5)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- i18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Madrid")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "/media/"
# Production behind nginx: the app checks who may see a file and answers X-Accel-Redirect to this
# internal location (deploy/: `location /protected-media/ { internal; alias <MEDIA_ROOT>/; }`);
# empty: Django streams the file itself.
MEDIA_X_ACCEL_REDIRECT = env.str("MEDIA_X_ACCEL_REDIRECT", default="")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Email --------------------------------------------------------------------------------------
_email_backend = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": _email_backend}}
if _email_backend.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env.str("EMAIL_HOST", default="localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env.str("EMAIL_HOST_USER", default=""),
        "password": env.str("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
    }
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="contactcenter@localhost")

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS. Production runs behind a TLS proxy: BEHIND_PROXY=1 trusts its X-Forwarded-Proto (and
# X-Forwarded-For), so that the redirect to https and the secure cookies know the request was https.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER",
                                                                          BEHIND_PROXY) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # the proxy's health checks speak plain http
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preloading is asked of browsers for years and is slow to undo: only when the operator says so.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "media-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "celery.worker.strategy": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "celery.beat": {"level": "WARNING"},
        # axes logs every login at INFO; lockouts come at WARNING (and contactcenter.signals logs them).
        "axes": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},  # one INFO line per outgoing request
    },
}
