"""A supervisor's notification preferences (/supervision/notifications/): which status changes
of which agents notify them, and how. Reached from the panel."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contactcenter.services import notifications as services
from contactcenter.services.errors import DomainError, NotAllowed
from permissions.access import require_supervising
from supervision import context
from supervision.forms import NotificationPreferenceForm

PAGE = "supervision/notifications.html"


def _form(request, data=None) -> NotificationPreferenceForm:
    preference = context.notify_context(request.user)["notify"]
    initial = {"status_changes": preference.status_changes, "missed_shifts": preference.missed_shifts,
               "panel": preference.panel, "browser": preference.browser, "email_digest": preference.email_digest,
               "agents": list(preference.agents.all()) if preference.pk else []}
    return NotificationPreferenceForm(data, initial=initial, agents=context.notifiable_agents(request.user),
                                      digest_minutes=settings.NOTIFICATION_DIGEST_MINUTES)


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    require_supervising(request.user)
    if request.method == "GET":
        return render(request, PAGE, {"form": _form(request)})
    form = _form(request, request.POST)
    if form.is_valid():
        try:
            services.notification_preference_save(user=request.user, **form.cleaned_data)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("supervision:notifications")
    return render(request, PAGE, {"form": form}, status=422)
