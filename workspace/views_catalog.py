"""The agent's catalog pages: canned responses (personal, and public where the organization
allows) and the organization's pre-recorded messages (where it lets agents manage them)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contactcenter.models import CannedResponse, PrerecordedMessage
from contactcenter.selectors import workspace as sel
from contactcenter.services import catalog
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import can_manage_prerecorded
from permissions import access
from workspace.responses import positive_int

# --- Canned responses -----------------------------------------------------------------------------


def _canned_page(request, *, editing=None, error=None, form_data=None, status=200):
    return render(request, "workspace/canned.html", {
        "items": sel.canned_responses(request.user),
        "may_public": access.may_manage_public_canned(request.user),
        "editing": editing,
        "error": error,
        "form_data": form_data or ({"shortcut": editing.shortcut, "title": editing.title, "body": editing.body}
                                   if editing else {}),
    }, status=status)


def _canned_for(request, pk: int):
    canned = CannedResponse.objects.filter(organization_id=request.user.organization_id, pk=pk).first()
    if canned is None or (canned.owner_id and canned.owner_id != request.user.pk):
        raise Http404
    return canned


@login_required
def canned(request):
    """Personal canned responses, and public ones where the organization allows."""
    access.require_org_user(request.user)
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in ("shortcut", "title", "body", "public")}
        try:
            catalog.canned_create(by=request.user, shortcut=data["shortcut"], title=data["title"],
                                  body=data["body"], public=data["public"] == "1")
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise PermissionDenied(exc.message) from None
            return _canned_page(request, error=exc.message, form_data=data, status=422)
        messages.success(request, _("Canned response saved."))
        return redirect("workspace:canned")
    if request.GET.get("edit"):
        item = _canned_for(request, positive_int(request.GET["edit"], default=0))
        if item.is_public and not access.may_manage_public_canned(request.user):
            raise PermissionDenied
        return _canned_page(request, editing=item)
    return _canned_page(request)


@login_required
@require_POST
def canned_edit(request, pk: int):
    item = _canned_for(request, pk)
    data = {k: request.POST.get(k, "") for k in ("shortcut", "title", "body")}
    try:
        catalog.canned_update(canned=item, by=request.user, **data)
    except DomainError as exc:
        if isinstance(exc, NotAllowed):
            raise PermissionDenied(exc.message) from None
        item.refresh_from_db()
        return _canned_page(request, editing=item, error=exc.message, form_data=data, status=422)
    messages.success(request, _("Canned response saved."))
    return redirect("workspace:canned")


@login_required
@require_POST
def canned_delete(request, pk: int):
    item = _canned_for(request, pk)
    try:
        catalog.canned_delete(canned=item, by=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("Canned response deleted."))
    return redirect("workspace:canned")


# --- Pre-recorded messages ------------------------------------------------------------------------


def _prerecorded_page(request, *, error=None, name="", status=200):
    return render(request, "workspace/prerecorded.html", {
        "items": PrerecordedMessage.objects.filter(organization_id=request.user.organization_id),
        "error": error,
        "name": name,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def prerecorded(request):
    """The organization's pre-recorded messages, for agents the organization lets manage them."""
    access.require_org_user(request.user)
    if not can_manage_prerecorded(request.user):
        raise PermissionDenied
    if request.method == "POST":
        name = request.POST.get("name", "")[:200]
        try:
            catalog.prerecorded_save(by=request.user, name=name, audio=request.FILES.get("audio"))
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            return _prerecorded_page(request, error=exc.message, name=name, status=422)
        messages.success(request, _("Pre-recorded message saved."))
        return redirect("workspace:prerecorded")
    return _prerecorded_page(request)


@login_required
@require_POST
def prerecorded_delete(request, pk: int):
    access.require_org_user(request.user)
    message = PrerecordedMessage.objects.filter(organization_id=request.user.organization_id, pk=pk).first()
    if message is None:
        raise Http404
    try:
        catalog.prerecorded_delete(by=request.user, message=message)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("Pre-recorded message deleted."))
    return redirect("workspace:prerecorded")
