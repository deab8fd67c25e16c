"""Settings for the test suite: contactcenter/settings.py as production reads it, with what a
test run needs on top (pyproject.toml points pytest-django here). Nothing in the application
asks whether it runs under test."""

import os

# A production-shaped run (DEBUG off) requires a key; tests bring their own.
os.environ.setdefault("SECRET_KEY", "test-suite-only-key-0123456789-abcdefghijklmnopqrstuvwxyz")

from contactcenter.settings import *  # noqa: E402,F403
from contactcenter.settings import CHANNEL_LAYERS, MAILERS, REDIS_URL, STORAGES, env, env_bool  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins

# Static files come from the finders (no collectstatic before a run).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None

MAILERS = {**MAILERS, "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# The test client and the browser tests speak plain http.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)

# The fake providers of the connector tests listen on 127.0.0.1.
CONNECTORS_ALLOW_PRIVATE_URLS = env_bool("CONNECTORS_ALLOW_PRIVATE_URLS", True)

# Tasks run where the test enqueued them (the in-memory broker), never through a shared Redis.
CELERY_BROKER_URL = "memory://"

if REDIS_URL:
    # Parallel test workers share one Redis: each gets its own prefix so that their groups
    # (org.1, agent.3...) never cross.
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] += f"-{env.str('PYTEST_XDIST_WORKER', '')}"
