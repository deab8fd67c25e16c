"""The Business hours section of the configuration portal: its weekly intervals and holidays."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from contactcenter.models import BusinessHours, BusinessHoursInterval, Holiday
from contactcenter.services import business_hours as hours_services
from contactcenter.services import policies
from permissions.config import forms
from permissions.config.views.sections import (
    Section,
    back,
    form_errors,
    object_for,
    org,
    register,
    section_for,
    sub_action,
)


def _days_context(request, hours: BusinessHours) -> dict:
    return {"intervals": hours.intervals.all(), "holidays": hours.holidays.all(),
            "interval_form": forms.IntervalForm(), "holiday_form": forms.HolidayForm()}


BUSINESS_HOURS = register(Section(
    key="business-hours", title=gettext_lazy("Business hours"), new_label=gettext_lazy("New business hours"),
    form=forms.BusinessHoursForm,
    queryset=lambda user: BusinessHours.objects.filter(**org(user)).annotate(queue_count=Count("queues")),
    columns=((gettext_lazy("Name"), lambda b: b.name), (gettext_lazy("Queues"), lambda b: b.queue_count)),
    may_view=policies.can_view_queue_settings, may_manage=policies.can_manage_queue_settings,
    save=lambda request, obj, data: hours_services.business_hours_save(by=request.user, hours=obj, **data),
    delete=lambda user, obj: hours_services.business_hours_delete(by=user, hours=obj),
    extra="config/_business_hours_days.html", extra_context=_days_context,
))


def _hours(request, pk: int) -> BusinessHours:
    return object_for(request.user, section_for(request.user, BUSINESS_HOURS.key), pk)


@login_required
@require_POST
def business_hours_interval_add(request, pk):
    hours = _hours(request, pk)
    form = forms.IntervalForm(request.POST)
    if not form.is_valid():
        return back(request, BUSINESS_HOURS, pk, error=form_errors(form))

    def add():
        interval = hours_services.business_hours_interval_add(by=request.user, hours=hours, **form.cleaned_data)
        return _("%(interval)s was added.") % {"interval": interval}

    return sub_action(request, BUSINESS_HOURS, pk, add)


@login_required
@require_POST
def business_hours_holiday_add(request, pk):
    hours = _hours(request, pk)
    form = forms.HolidayForm(request.POST)
    if not form.is_valid():
        return back(request, BUSINESS_HOURS, pk, error=form_errors(form))

    def add():
        holiday = hours_services.business_hours_holiday_add(by=request.user, hours=hours, **form.cleaned_data)
        return _("%(holiday)s was added.") % {"holiday": holiday}

    return sub_action(request, BUSINESS_HOURS, pk, add)


@login_required
@require_POST
def business_hours_part_remove(request, pk, kind, part_id):
    hours = _hours(request, pk)
    model = {"interval": BusinessHoursInterval, "holiday": Holiday}.get(kind)
    part = model.objects.filter(hours=hours, pk=part_id).first() if model else None
    if part is None:
        raise Http404

    def remove():
        hours_services.business_hours_part_remove(by=request.user, part=part)
        return _("%(part)s was removed.") % {"part": part}

    return sub_action(request, BUSINESS_HOURS, pk, remove)
