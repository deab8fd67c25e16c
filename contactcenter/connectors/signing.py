"""Request signatures: an HMAC-SHA256 of the raw body, sent as "sha256=<hex>".

The inbound API and our outbound webhooks use the channel's secret in X-Signature; WhatsApp
(Meta) uses the app secret in X-Hub-Signature-256. The signature covers the exact bytes
received, so it is checked before the body is parsed, and compared in constant time so that
a forger learns nothing from how long a wrong guess took.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Signature"
WHATSAPP_SIGNATURE_HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def sign(secret: str | bytes, body: bytes) -> str:
    """The header value for `body`: "sha256=" and the hex HMAC-SHA256 with `secret`."""
    key = secret.encode() if isinstance(secret, str) else secret
    return PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(secret: str | bytes | None, body: bytes, header: str | None) -> bool:
    """True only for a well-formed header whose HMAC matches; an empty secret matches nothing
    (a channel without a secret cannot be written to)."""
    if not secret or not header or not isinstance(header, str):
        return False
    header = header.strip()
    if not header.lower().startswith(PREFIX):
        return False
    given = header[len(PREFIX):].lower()
    expected = sign(secret, body)[len(PREFIX):]
    return hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii"))


def verify_channel(channel, body: bytes, header: str | None) -> bool:
    """The inbound API: X-Signature with the channel's secret."""
    return verify(channel.secret, body, header)


def verify_whatsapp(channel, body: bytes, header: str | None) -> bool:
    """Meta's webhooks: X-Hub-Signature-256 with the app secret in the channel's settings."""
    settings = channel.settings if isinstance(channel.settings, dict) else {}
    secret = settings.get("app_secret")
    return verify(secret if isinstance(secret, str) else None, body, header)
