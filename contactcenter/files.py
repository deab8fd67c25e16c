"""Sending a stored file to a browser, the same way for the staff's workspace and the customer's
web chat: streamed by Django in chunks, or, in production behind nginx, handed to the proxy with
X-Accel-Redirect (MEDIA_X_ACCEL_REDIRECT) so that no Python process holds the bytes.

Only images, audio and video (the kinds the browser shows itself) are shown inline; everything
else downloads. The sandboxing headers keep a crafted file from running as a page of ours."""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse

INLINE_KINDS = {"image", "audio", "video"}
SAFE_INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "audio/", "video/")


def file_response(field_file, *, filename: str, content_type: str, kind: str) -> HttpResponse:
    """The response that sends a stored attachment's file to the browser as `filename`.
    `content_type` and `kind` are those recorded when the file was checked
    (`contactcenter.services.uploads.validate_upload`). Raises Http404 if Django cannot open it."""
    inline = kind in INLINE_KINDS and content_type.startswith(SAFE_INLINE_TYPES)
    content_type = content_type if inline else "application/octet-stream"
    prefix = settings.MEDIA_X_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(field_file.name)
        disposition = "inline" if inline else "attachment"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    else:
        try:
            handle = field_file.open("rb")
        except (OSError, ValueError):
            raise Http404 from None
        response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
