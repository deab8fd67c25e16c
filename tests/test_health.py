"""/healthz: what a load balancer asks. 200 when the database (and Redis, when configured)
answer; 503 otherwise."""

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_the_database_answers(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["database"] == "ok"
    assert body["status"] == "ok"
    assert "redis" not in body


def test_healthz_needs_no_login_and_is_not_cached(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_is_503_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["redis"].startswith("error")


def test_healthz_checks_the_configured_redis(client, needs_redis):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert django_settings.REDIS_URL


def test_healthz_is_503_when_the_database_fails(client, settings, monkeypatch):
    settings.REDIS_URL = ""

    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database down")

    from contactcenter import views

    monkeypatch.setattr(views.connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")


def test_healthz_refuses_post(client, settings):
    settings.REDIS_URL = ""
    assert client.post("/healthz").status_code == 405
