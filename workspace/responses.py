"""What the workspace's views answer with, shared by every views module.

Every action is a plain form post (redirect back, flash message) that htmx upgrades: with htmx
the view answers with the "desk" partial of the same page template.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

from contactcenter.models import Conversation
from contactcenter.services.errors import DomainError, NotAllowed
from workspace import context

PAGE = "workspace/index.html"


def positive_int(value, default: int | None = 1) -> int | None:
    """A whole number of at least 1 from a form or query string (an id, a page), else `default`."""
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


def desk_context(request, conversation: Conversation | None = None, **forms) -> dict:
    params = request.POST if request.method == "POST" else request.GET
    return context.desk_context(request.user, params, conversation, **forms)


def render_desk(request, conversation: Conversation | None = None, status: int = 200, **forms):
    """The whole page, or only its desk for htmx."""
    return render(request, PAGE + "#desk" if request.htmx else PAGE,
                  desk_context(request, conversation, **forms), status=status)


def back(request, conversation: Conversation | None = None, *, tab: str | None = None):
    """After an action: the desk partial for htmx, a redirect (PRG) otherwise."""
    if request.htmx:
        return render_desk(request, conversation)
    url = reverse("workspace:conversation", args=[conversation.pk]) if conversation else reverse("workspace:index")
    tab = tab or request.POST.get("tab")
    return redirect(f"{url}?tab={tab}" if tab in ("assigned", "unassigned") else url)


def refused(request, exc: DomainError, conversation: Conversation | None = None):
    """A service said no: 403 when the person may not do it at all, otherwise the reason as a
    flash message on the desk."""
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)
    return back(request, conversation)
