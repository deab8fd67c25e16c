"""The campaign contact lists of the configuration portal: each campaign's list and its import
from a CSV file (not a section: there is nothing to create or delete here)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contactcenter.models import CampaignContact, Queue, User
from contactcenter.services import campaign_imports, policies
from contactcenter.services.errors import DomainError
from permissions.config import forms
from permissions.config.views.sections import nav, raise_if_not_allowed, require, require_portal


def _campaigns(user: User) -> QuerySet:
    return policies.supervised_queues(user).filter(kind=Queue.Kind.CAMPAIGN)


def _campaign_access(user: User) -> None:
    require_portal(user)
    require(policies.can_view_queue_settings(user))


@login_required
def campaigns(request):
    _campaign_access(request.user)
    waiting = Q(campaign_contacts__status__in=CampaignContact.WAITING_STATUSES)
    items = _campaigns(request.user).annotate(total=Count("campaign_contacts"),
                                              waiting=Count("campaign_contacts", filter=waiting))
    return render(request, "config/campaigns.html", {"nav": nav(request.user), "campaigns": items})


@login_required
@require_http_methods(["GET", "POST"])
def campaign(request, pk):
    _campaign_access(request.user)
    queue = _campaigns(request.user).filter(pk=pk).first()
    if queue is None:
        raise Http404
    form, report, status = forms.CampaignImportForm(), None, 200
    if request.method == "POST":
        require(policies.can_manage_queue_settings(request.user))
        form = forms.CampaignImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = campaign_imports.campaign_import_csv(by=request.user, queue=queue,
                                                              file=form.cleaned_data["file"])
            except DomainError as exc:
                raise_if_not_allowed(exc)
                report = {"error": exc.message, "rows": getattr(exc, "rows", [])}
                status = 422
            else:
                messages.success(request, _("%(created)s contacts were imported; %(skipped)s were already in the "
                                            "campaign.") % result)
                if not request.htmx:
                    return redirect("config:campaign", pk)
                form = forms.CampaignImportForm()
        else:
            status = 422
    if status == 422 and request.htmx:
        status = 200
    context = {
        "nav": nav(request.user), "queue": queue, "form": form, "report": report,
        "may_import": policies.can_manage_queue_settings(request.user),
        "entries": CampaignContact.objects.filter(queue=queue).select_related("contact", "last_disposition")[:200],
        "total": CampaignContact.objects.filter(queue=queue).count(),
    }
    template = "config/campaign.html"
    return render(request, template + "#campaign" if request.htmx else template, context, status=status)
