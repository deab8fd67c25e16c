from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contactcenter.models import Organization
from contactcenter.services import organizations as org_services
from contactcenter.services.errors import DomainError, NotAllowed
from permissions.access import require_org_admin
from permissions.forms import LABELS, PermissionsForm

PAGE = "permissions/index.html"


def change_summary(changed: dict[str, bool]) -> list[str]:
    """"Create custom tags: off", one line per toggle that changed."""
    return [
        (_("%(permission)s: on") if value else _("%(permission)s: off")) % {"permission": LABELS[name]}
        for name, value in changed.items()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def permissions_page(request):
    """/permissions/: the organization policy and the supervisor and agent toggles."""
    require_org_admin(request.user)
    organization = Organization.objects.get(pk=request.user.organization_id)
    changes = None
    if request.method == "POST":
        form = PermissionsForm(request.POST, organization=organization)
        if form.is_valid():
            try:
                changed = org_services.organization_set_permissions(
                    organization=organization, by=request.user, values=form.cleaned_data)
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                changes = change_summary(changed)
                if not request.htmx:
                    for line in changes or [_("Nothing changed.")]:
                        messages.success(request, line)
                    return redirect("permissions:index")
                form = PermissionsForm(organization=organization)
    else:
        form = PermissionsForm(organization=organization)
    ctx = {"form": form, "changes": changes}
    return render(request, PAGE + "#permissions-form" if request.htmx else PAGE, ctx)

