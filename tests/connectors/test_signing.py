"""Signatures: sha256=<HMAC-SHA256 of the raw body>, compared in constant time."""

import hashlib
import hmac

from contactcenter.connectors import signing
from contactcenter.models import Channel

BODY = b'{"external_id":"c-1","message_id":"m-1","text":"Hola"}'


def test_sign_is_the_hex_hmac_sha256_of_the_body_with_the_secret():
    expected = hmac.new(b"secret", BODY, hashlib.sha256).hexdigest()
    assert signing.sign("secret", BODY) == f"sha256={expected}"


def test_a_matching_signature_verifies():
    assert signing.verify("secret", BODY, signing.sign("secret", BODY))


def test_upper_case_hex_and_surrounding_spaces_verify():
    header = "  sha256=" + signing.sign("secret", BODY).removeprefix("sha256=").upper() + " "
    assert signing.verify("secret", BODY, header)


def test_another_secret_does_not_verify():
    assert not signing.verify("secret", BODY, signing.sign("other", BODY))


def test_a_changed_body_does_not_verify():
    assert not signing.verify("secret", BODY + b" ", signing.sign("secret", BODY))


def test_a_header_without_the_sha256_prefix_does_not_verify():
    assert not signing.verify("secret", BODY, signing.sign("secret", BODY).removeprefix("sha256="))


def test_missing_or_garbage_headers_do_not_verify():
    for header in (None, "", "sha256=", "sha1=abc", "sha256=zz", "sha256=é" * 10):
        assert not signing.verify("secret", BODY, header)


def test_an_empty_secret_verifies_nothing():
    assert not signing.verify("", BODY, signing.sign("", BODY))
    assert not signing.verify(None, BODY, signing.sign("", BODY))


def test_channel_signature_uses_the_channel_secret():
    channel = Channel(secret="chan-secret")
    assert signing.verify_channel(channel, BODY, signing.sign("chan-secret", BODY))
    assert not signing.verify_channel(channel, BODY, signing.sign("other", BODY))


def test_whatsapp_signature_uses_the_app_secret_from_the_settings():
    channel = Channel(secret="not-this-one", settings={"app_secret": "meta-app-secret"})
    assert signing.verify_whatsapp(channel, BODY, signing.sign("meta-app-secret", BODY))
    assert not signing.verify_whatsapp(channel, BODY, signing.sign("not-this-one", BODY))


def test_whatsapp_channel_without_app_secret_verifies_nothing():
    channel = Channel(secret="x", settings={})
    assert not signing.verify_whatsapp(channel, BODY, signing.sign("", BODY))
