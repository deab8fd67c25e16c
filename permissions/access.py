"""Access helpers: every view and consumer fetches what it touches through these. They return
the object or raise Http404 (another organization's id, or not visible) / PermissionDenied."""

from django.core.exceptions import PermissionDenied


def require_supervising(user) -> None:
    if not (user.is_authenticated and user.organization_id and user.is_supervising):
        raise PermissionDenied


def require_org_admin(user) -> None:
    if not (user.is_authenticated and user.organization_id and user.is_org_admin):
        raise PermissionDenied
