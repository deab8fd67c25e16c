"""seed_demo tells a new user where to open the product: the port the server runs on."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_seed_demo_prints_the_address_with_the_servers_port(settings):
    settings.DEBUG = True
    settings.PORT = 8123
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "http://127.0.0.1:8123/accounts/login/" in out.getvalue()
    assert ":8000" not in out.getvalue()
