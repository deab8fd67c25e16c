"""Production settings and headers: `check --deploy` is clean with the documented variables; https
is enforced behind the proxy; nothing shown to a logged-in person is cached; an outage of the
database or Redis answers 503 with Retry-After (JSON for machines, a translated page for people),
never a 500 or a debug page."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import URLPattern, URLResolver, get_resolver

from contactcenter.connectors import signing
from tests import factories as f
from tests.workspace.conftest import client_for

ROOT = django_settings.BASE_DIR
KEY = secrets.token_urlsafe(40)

# What README's "Production" table documents, with the values it gives.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": KEY,
    "ALLOWED_HOSTS": "cc.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://cc.example.com",
    "BEHIND_PROXY": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
             "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": "contactcenter.settings", **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def test_check_deploy_with_the_documented_production_variables_gives_no_warning():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_send_hsts_for_a_year_and_redirect_to_https():
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
            "s.SECURE_PROXY_SSL_HEADER)")
    result = run(["-c", code], **PRODUCTION)
    assert result.stdout.split() == ["31536000", "True", "True", "('HTTP_X_FORWARDED_PROTO',", "'https')"]


@pytest.mark.django_db
def test_a_plain_http_request_is_redirected_to_https_and_a_proxied_https_one_gets_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    secure = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200 and secure["Strict-Transport-Security"].startswith("max-age=31536000")
    assert client.get("/healthz").status_code == 200  # the proxy's health check stays plain http


# --- Cache-Control on every page of a logged-in person ---------------------------------------------


def every_url() -> list[str]:
    """Every URL of the project (admin included), with 1 for each id and "x" for each text."""
    urls = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                urls.append(route)

    walk(get_resolver().url_patterns)
    concrete = set()
    for route in urls:
        if route.startswith("^") or "(?P" in route:  # the admin's regex routes
            continue
        for converter, value in (("<int:", "1"), ("<slug:", "x"), ("<str:", "x"), ("<path:", "x"), ("<", "x")):
            while converter in route:
                start = route.index(converter)
                route = route[:start] + value + route[route.index(">", start) + 1:]
        concrete.add("/" + route)
    return sorted(concrete)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["agent", "supervisor", "admin"])
def test_every_response_to_a_logged_in_person_is_private_and_not_stored(personas, persona):
    client = client_for(getattr(personas, persona))
    urls = every_url()
    assert len(urls) > 100
    missing = []
    for url in urls:
        response = client.get(url)
        cache_control = response.get("Cache-Control", "")
        if not ("private" in cache_control and "no-store" in cache_control and "Cookie" in response.get("Vary", "")):
            missing.append(f"{url} ({response.status_code}): {cache_control!r}")
    assert missing == []


# --- Outages ----------------------------------------------------------------------------------------

OUTAGE_PROBE = """
import django, json
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
api = client.post("/api/v1/channels/demo-api/messages", data=b"{{}}", content_type="application/json")
client.cookies["sessionid"] = "x" * 32
client.cookies["django_language"] = "{language}"
page = client.get("/workspace/")
print(json.dumps({{"api": [api.status_code, api.get("Retry-After"), api["Content-Type"], api.content.decode()],
                  "page": [page.status_code, page.get("Retry-After"), page.content.decode()]}}))
"""


@pytest.mark.parametrize("debug", ["1", "0"])
def test_with_the_database_down_the_api_and_the_pages_answer_503(debug):
    import json

    result = run(["-c", OUTAGE_PROBE.format(language="es")], DEBUG=debug, SECRET_KEY=KEY, SESSION_COOKIE_SECURE="0",
                 SECURE_SSL_REDIRECT="0", DATABASE_URL="postgres://postgres@127.0.0.1:1/down", DATABASE_POOL="0")
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    status, retry_after, content_type, body = answers["api"]
    assert (status, retry_after, content_type) == (503, "30", "application/json")
    assert json.loads(body)["error"] == "unavailable" and len(body) < 300
    status, retry_after, body = answers["page"]
    assert (status, retry_after) == (503, "30")
    assert "no está disponible ahora mismo" in body and "Traceback" not in body and len(body) < 20_000


@pytest.mark.django_db
def test_with_redis_down_the_signed_api_answers_503_with_retry_after(personas, settings, client):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # a real client, nothing listening
    channel = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind="api",
                               public_key="acme-api", secret="s3cret-s3cret-s3cret")
    body = b'{"external_id": "c1", "message_id": "m1", "text": "Hola"}'
    client.raise_request_exception = False
    response = client.post(f"/api/v1/channels/{channel.public_key}/messages", data=body,
                           content_type="application/json",
                           headers={"X-Signature": signing.sign(channel.secret, body)})
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["error"] == "unavailable"
