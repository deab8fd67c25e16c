"""Settings come from the environment only; a bad value stops the start with a clear message.

Each case starts a fresh Python (not under pytest, so settings do not think they are testing)
with a clean environment: nothing from this test run (DATABASE_URL, REDIS_URL, PYTEST_*...)
leaks in.
"""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

BASE_DIR = settings.BASE_DIR
GOOD_KEY = secrets.token_urlsafe(38)[:50]


def _start(code: str = "import django; django.setup()", **env: str) -> subprocess.CompletedProcess:
    clean_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "contactcenter.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    clean_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _fails_with(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0, result.stdout + result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    for word in words:
        assert word in last_line, last_line


def test_good_key_with_debug_off_starts():
    assert len(GOOD_KEY) == 50
    result = _start(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.EMBEDDED, s.CELERY_BROKER_URL)",
        DEBUG="0",
        SECRET_KEY=GOOD_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "memory://"]


def test_missing_secret_key_with_debug_off_fails_clearly():
    _fails_with(_start(DEBUG="0"), "SECRET_KEY is required")


def test_missing_debug_means_off_so_the_secret_key_is_required():
    _fails_with(_start(), "SECRET_KEY is required")


def test_a_short_secret_key_fails_clearly():
    _fails_with(_start(DEBUG="0", SECRET_KEY="short"), "SECRET_KEY", "weak")


def test_a_long_but_repetitive_secret_key_fails_clearly():
    _fails_with(_start(DEBUG="0", SECRET_KEY="a" * 50), "SECRET_KEY", "weak")


def test_an_unreadable_secret_key_file_fails_clearly(tmp_path):
    missing = tmp_path / "no-such-file"
    _fails_with(_start(DEBUG="0", SECRET_KEY_FILE=str(missing)), "SECRET_KEY_FILE", str(missing))


def test_the_secret_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(GOOD_KEY + "\n")
    result = _start(
        "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)",
        DEBUG="0",
        SECRET_KEY_FILE=str(key_file),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == GOOD_KEY


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_debug_value_that_is_not_a_boolean_fails_clearly(value):
    _fails_with(_start(DEBUG=value, SECRET_KEY=GOOD_KEY), "DEBUG", "boolean", repr(value))


@pytest.mark.parametrize("value", ["1", "yes", "TRUE", "0", "off"])
def test_debug_accepts_the_usual_boolean_words(value):
    result = _start(
        "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG)",
        DEBUG=value,
        SECRET_KEY=GOOD_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(value.lower() in {"1", "true", "yes", "on"})


def test_a_mysql_database_url_fails_clearly():
    _fails_with(
        _start(DEBUG="0", SECRET_KEY=GOOD_KEY, DATABASE_URL="mysql://x"), "DATABASE_URL", "postgres"
    )


def test_a_database_url_without_a_scheme_fails_clearly():
    _fails_with(_start(DEBUG="0", SECRET_KEY=GOOD_KEY, DATABASE_URL="nonsense"), "DATABASE_URL")


def test_a_postgres_database_url_selects_postgresql():
    result = _start(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.IS_POSTGRES)",
        DEBUG="0",
        SECRET_KEY=GOOD_KEY,
        DATABASE_URL="postgres://cc@db.internal:5432/cc",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "True"]


def test_a_redis_url_that_is_not_redis_fails_clearly():
    _fails_with(_start(DEBUG="0", SECRET_KEY=GOOD_KEY, REDIS_URL="http://x"), "REDIS_URL")


def test_a_redis_url_switches_to_the_distributed_mode():
    result = _start(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMBEDDED, s.CELERY_BROKER_URL, s.CHANNEL_LAYERS['default']['BACKEND'])",
        DEBUG="0",
        SECRET_KEY=GOOD_KEY,
        REDIS_URL="redis://redis.internal:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "redis://redis.internal:6379/0",
        "channels_redis.pubsub.RedisPubSubChannelLayer",
    ]


def test_the_core_channel_layer_can_be_chosen_instead_of_pub_sub():
    result = _start(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CHANNEL_LAYERS['default']['BACKEND'])",
        DEBUG="0", SECRET_KEY=GOOD_KEY, REDIS_URL="redis://redis.internal:6379/0", CHANNEL_LAYER_BACKEND="core",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["channels_redis.core.RedisChannelLayer"]


def test_an_unknown_channel_layer_backend_fails_clearly():
    _fails_with(_start(DEBUG="0", SECRET_KEY=GOOD_KEY, CHANNEL_LAYER_BACKEND="kafka"), "CHANNEL_LAYER_BACKEND")


@pytest.mark.parametrize("name", ["ROUTING_SWEEP_SECONDS", "PORT"])
def test_a_number_setting_that_is_not_a_number_fails_clearly(name):
    _fails_with(_start(DEBUG="0", SECRET_KEY=GOOD_KEY, **{name: "abc"}), name, "whole number")


def test_a_port_out_of_range_fails_clearly():
    _fails_with(_start(DEBUG="0", SECRET_KEY=GOOD_KEY, PORT="70000"), "PORT", "65535")


def test_the_production_configuration_passes_the_system_checks():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "ERROR"],
        cwd=BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "contactcenter.settings",
            "DEBUG": "0",
            "SECRET_KEY": GOOD_KEY,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
