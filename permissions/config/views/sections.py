"""The generic pages of the configuration portal: each section is a list with a form, served by
the same four views (index, list and create, edit, delete), driven by a `Section` that says what
to list, which form to show, who may see and change it, and which service saves and deletes.

Each area module of this package registers its sections here and adds the small views its
sections need beyond that (queue members, agent skill levels, users' ban and deactivation,
business hours' days); the helpers under "Extras" serve those.

Every form is a plain post (redirect back with a message) that htmx upgrades: with htmx the
view answers with the "section" partial of the same page.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from contactcenter.models import User
from contactcenter.services import policies, writes
from contactcenter.services.errors import DomainError, NotAllowed
from permissions.access import require_org_user

PAGE = "config/section.html"

# The sections, in the order the navigation lists them; each is registered by its area module.
NAV_ORDER = ("queues", "skills", "pause-reasons", "dispositions", "tags", "canned", "prerecorded",
             "channels", "users", "business-hours")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    new_label: str
    form: type
    queryset: Callable[[User], QuerySet]
    # (column heading, value of an object) for the list
    columns: tuple[tuple[str, Callable], ...]
    may_view: Callable[[User], bool]
    may_manage: Callable[[User], bool]
    # save(request, object or None, cleaned data) -> object; delete(user, object) -> writes.DELETED/DEACTIVATED
    save: Callable
    delete: Callable | None
    may_create: Callable[[User], bool] | None = None
    may_delete: Callable[[User], bool] | None = None
    edit_form: type | None = None
    extra: str = ""  # a template included under the edit form
    # extra_context(request, object) -> what that template needs
    extra_context: Callable | None = None
    multipart: bool = False
    help: str = ""
    # what the delete button asks before it deletes an object (htmx's confirmation)
    confirm: Callable | None = None

    def confirm_delete(self, obj) -> str:
        return self.confirm(obj) if self.confirm else _("Delete it?")

    def allows_create(self, user: User) -> bool:
        return (self.may_create or self.may_manage)(user)

    def allows_delete(self, user: User) -> bool:
        return (self.may_delete or self.may_manage)(user)


SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add an area's section to the portal (its key must be in NAV_ORDER)."""
    if section.key not in NAV_ORDER or section.key in SECTIONS:
        raise ValueError(f"Section {section.key!r} is not in NAV_ORDER or is registered twice")
    SECTIONS[section.key] = section
    return section


# --- Shared by the area modules ---------------------------------------------------------------------


def org(user: User) -> dict:
    """The filter of the user's organization, for a section's queryset."""
    return {"organization_id": user.organization_id}


def is_admin(user: User) -> bool:
    """Owners and administrators (the sections only they see: channels, users)."""
    return policies.can_manage_permissions(user)


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


# --- Access ----------------------------------------------------------------------------------------


def require_portal(user: User) -> None:
    """The portal's door: a 403 for whoever may not open it."""
    require_org_user(user)
    if not policies.can_access_config(user):
        raise PermissionDenied


def section_for(user: User, key: str) -> Section:
    """The section, when the user may open it (404 for an unknown key, 403 when not allowed)."""
    require_portal(user)
    section = SECTIONS.get(key)
    if section is None:
        raise Http404
    if not section.may_view(user):
        raise PermissionDenied
    return section


def object_for(user: User, section: Section, pk: int):
    """The object of the section, in the user's organization (and queues they supervise), or 404."""
    obj = section.queryset(user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def nav(user: User) -> list[tuple[str, str]]:
    items = [(SECTIONS[key].title, reverse("config:section", args=[key]))
             for key in NAV_ORDER if key in SECTIONS and SECTIONS[key].may_view(user)]
    if policies.can_view_queue_settings(user):
        items.insert(1, (gettext_lazy("Campaign contact lists"), reverse("config:campaigns")))
    if policies.can_access_config(user):
        items.append((gettext_lazy("Schedules"), reverse("config:schedules")))
        items.append((gettext_lazy("Status rules"), reverse("config:rules")))
    return items


def raise_if_not_allowed(exc: DomainError) -> None:
    """A refusal of the rules is shown on the page; a refusal of permission is a 403."""
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message)


# --- The generic section pages ---------------------------------------------------------------------


def _form_class(section: Section, obj):
    return section.edit_form if obj is not None and section.edit_form else section.form


def _blank_form(section: Section, obj, user: User):
    form_class = _form_class(section, obj)
    if obj is None:
        return form_class(organization=user.organization)
    # Model forms write into their instance while validating: they get a copy, so a rejected
    # edit never changes the object the page shows next to it.
    return form_class(instance=copy.copy(obj), organization=user.organization)


def _page(request, section: Section, *, obj=None, form=None, status=200):
    user = request.user
    rows = [(item, [value(item) for _label, value in section.columns], section.confirm_delete(item))
            for item in section.queryset(user)]
    may_edit = section.allows_create(user) if obj is None else section.may_manage(user)
    context = {
        "section": section,
        "nav": nav(user),
        "rows": rows,
        "headings": [label for label, _value in section.columns],
        "obj": obj,
        "form": form or _blank_form(section, obj, user),
        "may_edit": may_edit,
        "may_manage": section.may_manage(user),
        "may_create": section.allows_create(user),
        "may_delete": section.delete is not None and section.allows_delete(user),
        "action": reverse("config:edit", args=[section.key, obj.pk]) if obj else reverse(
            "config:section", args=[section.key]),
    }
    if obj is not None and section.extra and section.extra_context:
        context.update(section.extra_context(request, obj))
    # htmx swaps only successful answers: a form with errors is a 200 for htmx, a 422 otherwise.
    if status == 422 and request.htmx:
        status = 200
    return render(request, PAGE + "#section" if request.htmx else PAGE, context, status=status)


def _done(request, section: Section, message: str, obj=None):
    """After a successful write: the fresh page (htmx) or a redirect to it."""
    messages.success(request, message)
    url = reverse("config:edit", args=[section.key, obj.pk]) if obj else reverse("config:section", args=[section.key])
    if request.htmx:
        response = _page(request, section, obj=obj)
        response["HX-Push-Url"] = url
        return response
    return redirect(url)


@login_required
def index(request):
    require_portal(request.user)
    return render(request, "config/index.html", {"nav": nav(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def section_list(request, key):
    """The list and the new-item form; a post creates."""
    section = section_for(request.user, key)
    if request.method == "GET":
        return _page(request, section)
    require(section.allows_create(request.user))
    form = section.form(request.POST, request.FILES, organization=request.user.organization)
    if not form.is_valid():
        return _page(request, section, form=form, status=422)
    try:
        obj = section.save(request, None, form.cleaned_data)
    except DomainError as exc:
        raise_if_not_allowed(exc)
        form.add_error(None, exc.message)
        return _page(request, section, form=form, status=422)
    return _done(request, section, _("“%(name)s” was created.") % {"name": obj}, obj)


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request, key, pk):
    section = section_for(request.user, key)
    obj = object_for(request.user, section, pk)
    if request.method == "GET":
        return _page(request, section, obj=obj)
    require(section.may_manage(request.user))
    form_class = _form_class(section, obj)
    form = form_class(request.POST, request.FILES, instance=copy.copy(obj), organization=request.user.organization)
    if not form.is_valid():
        return _page(request, section, obj=obj, form=form, status=422)
    try:
        obj = section.save(request, obj, form.cleaned_data)
    except DomainError as exc:
        raise_if_not_allowed(exc)
        form.add_error(None, exc.message)
        return _page(request, section, obj=object_for(request.user, section, pk), form=form, status=422)
    return _done(request, section, _("The changes to “%(name)s” were saved.") % {"name": obj}, obj)


@login_required
@require_POST
def section_delete(request, key, pk):
    section = section_for(request.user, key)
    obj = object_for(request.user, section, pk)
    require(section.delete is not None and section.allows_delete(request.user))
    try:
        result = section.delete(request.user, obj)
    except DomainError as exc:
        raise_if_not_allowed(exc)
        messages.error(request, exc.message)
        if request.htmx:
            return _page(request, section, obj=obj)
        return redirect("config:edit", key, pk)
    if result == writes.DEACTIVATED:
        message = _("“%(name)s” is referred to by past work, so it was deactivated instead of deleted.")
    else:
        message = _("“%(name)s” was deleted.")
    return _done(request, section, message % {"name": obj})


# --- Extras: the small views of an edit page's extra part ---------------------------------------------


def back(request, section: Section, pk: int, message: str = "", error: str = ""):
    """Back to the object's edit page with a message: its fresh section (htmx) or a redirect."""
    if message:
        messages.success(request, message)
    if error:
        messages.error(request, error)
    if request.htmx:
        return _page(request, section, obj=object_for(request.user, section, pk))
    return redirect("config:edit", section.key, pk)


def sub_action(request, section: Section, pk: int, action: Callable[[], str]):
    """Run a service call of an edit page's extra part (it returns the message to show) and go
    back to the page; a refusal is shown there, a refusal of permission is a 403."""
    try:
        message = action()
    except DomainError as exc:
        raise_if_not_allowed(exc)
        return back(request, section, pk, error=exc.message)
    return back(request, section, pk, message=message)


def form_errors(form) -> str:
    """A small form's errors as one line (shown as the page's error message)."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)
