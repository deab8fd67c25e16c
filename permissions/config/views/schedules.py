"""The Schedules page of the configuration portal: the weekly patterns with their shifts and
breaks, assigning a schedule to many agents, each agent's week with its exceptions, copying a
week. Admins see every agent; supervisors with the portal only the agents of their queues."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contactcenter.models import Schedule, ScheduleBreak, ScheduleException, ScheduleShift
from contactcenter.selectors import shifts as sel
from contactcenter.services import schedules as svc
from contactcenter.services.errors import DomainError
from permissions.config import schedule_forms as forms
from permissions.config.views.sections import nav, raise_if_not_allowed, require, require_portal

PAGE = "config/schedules.html"


def _week_start(value, zone) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        day = timezone.now().astimezone(zone).date()
    return day - datetime.timedelta(days=day.weekday())


def _agent(user, agent_id):
    agent = svc.schedulable_agents(user).filter(pk=agent_id).first()
    if agent is None:
        raise Http404
    return agent


def _week(agent, monday) -> list[dict]:
    zone = agent.organization.zone
    start = sel.moment(monday, datetime.time(0), zone)
    found = sel.agent_shifts(agent, start, sel.moment(monday + datetime.timedelta(days=7), datetime.time(0), zone))
    exceptions = ScheduleException.objects.filter(agent=agent, date__gte=monday,
                                                  date__lt=monday + datetime.timedelta(days=7))
    days = []
    for offset in range(7):
        day = monday + datetime.timedelta(days=offset)
        days.append({"date": day,
                     "shifts": [(s.start.astimezone(zone), s.end.astimezone(zone), s.origin) for s in found
                                if s.day == day],
                     "exceptions": [e for e in exceptions if e.date == day]})
    return days


def _context(request, *, agent=None, **extra) -> dict:
    """The page's context; `agent`: whose week to show (else the one the URL names, if any)."""
    user = request.user
    zone = user.organization.zone
    agents = svc.schedulable_agents(user).order_by("first_name", "last_name", "username")
    if agent is None and request.GET.get("agent"):
        agent = _agent(user, request.GET.get("agent"))
    monday = _week_start(request.GET.get("week"), zone)
    context = {
        "nav": nav(user), "organization": user.organization,
        "schedules": Schedule.objects.filter(organization_id=user.organization_id).prefetch_related("shifts"),
        "create_form": forms.ScheduleForm(), "shift_formset": forms.ShiftFormSet(prefix="shifts"),
        "assign_form": forms.AssignForm(organization=user.organization, agents=agents),
        "agents": agents, "agent": agent, "monday": monday,
        "previous_week": monday - datetime.timedelta(days=7), "next_week": monday + datetime.timedelta(days=7),
        "week": _week(agent, monday) if agent else [],
        "exception_form": forms.ExceptionForm(), "copy_form": forms.CopyWeekForm(),
        "policy_form": forms.ShiftPolicyForm(organization=user.organization) if user.is_org_admin else None,
    }
    context.update(extra)
    return context


def _page(request, status=200, *, agent=None, **extra):
    return render(request, PAGE, _context(request, agent=agent, **extra), status=status)


def _shifts(formset) -> list[dict]:
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or (not data.get("id") and data.get("DELETE")):
            continue
        rows.append({"id": data.get("id"), "delete": data.get("DELETE"), "weekday": data.get("weekday"),
                     "starts": data.get("starts"), "ends": data.get("ends")})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def schedules(request):
    require_portal(request.user)
    if request.method == "GET":
        return _page(request)
    form = forms.ScheduleForm(request.POST)
    formset = forms.ShiftFormSet(request.POST, prefix="shifts")
    if form.is_valid() and formset.is_valid():
        try:
            schedule = svc.schedule_save(by=request.user, schedule=None, name=form.cleaned_data["name"],
                                         shifts=_shifts(formset))
        except DomainError as exc:
            raise_if_not_allowed(exc)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Schedule “%(name)s” created.") % {"name": schedule.name})
            return redirect("config:schedule", schedule.pk)
    return _page(request, 422, create_form=form, shift_formset=formset)


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request, pk):
    require_portal(request.user)
    item = get_object_or_404(Schedule, pk=pk, organization_id=request.user.organization_id)
    may_edit = svc.may_edit_schedule(request.user, item)
    initial = [{"id": s.pk, "weekday": s.weekday, "starts": s.starts, "ends": s.ends} for s in item.shifts.all()]
    form = forms.ScheduleForm(initial={"name": item.name})
    formset = forms.ShiftFormSet(prefix="shifts", initial=initial)
    status = 200
    if request.method == "POST":
        form = forms.ScheduleForm(request.POST)
        formset = forms.ShiftFormSet(request.POST, prefix="shifts", initial=initial)
        if form.is_valid() and formset.is_valid():
            try:
                svc.schedule_save(by=request.user, schedule=item, name=form.cleaned_data["name"],
                                  shifts=_shifts(formset))
            except DomainError as exc:
                raise_if_not_allowed(exc)
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Schedule saved."))
                return redirect("config:schedule", item.pk)
        status = 422
    shifts = item.shifts.prefetch_related("breaks__pause")
    return render(request, "config/schedule.html", {
        "nav": nav(request.user), "schedule": item, "form": form, "formset": formset, "may_edit": may_edit,
        "shifts": shifts, "break_form": forms.BreakForm(organization=request.user.organization),
    }, status=status)


@login_required
@require_POST
def break_add(request, pk, shift_id):
    require_portal(request.user)
    shift = get_object_or_404(ScheduleShift, pk=shift_id, schedule_id=pk,
                              organization_id=request.user.organization_id)
    form = forms.BreakForm(request.POST, organization=request.user.organization)
    if form.is_valid():
        try:
            svc.schedule_break_add(by=request.user, shift=shift, **form.cleaned_data)
        except DomainError as exc:
            raise_if_not_allowed(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Break added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("config:schedule", pk)


@login_required
@require_POST
def break_remove(request, pk, break_id):
    require_portal(request.user)
    brk = get_object_or_404(ScheduleBreak, pk=break_id, shift__schedule_id=pk,
                            organization_id=request.user.organization_id)
    try:
        svc.schedule_break_remove(by=request.user, brk=brk)
    except DomainError as exc:
        raise_if_not_allowed(exc)
    return redirect("config:schedule", pk)


@login_required
@require_POST
def schedule_delete(request, pk):
    require_portal(request.user)
    item = get_object_or_404(Schedule, pk=pk, organization_id=request.user.organization_id)
    try:
        svc.schedule_delete(by=request.user, schedule=item)
    except DomainError as exc:
        raise_if_not_allowed(exc)
    messages.success(request, _("Schedule deleted."))
    return redirect("config:schedules")


@login_required
@require_POST
def assign(request):
    require_portal(request.user)
    agents = svc.schedulable_agents(request.user)
    form = forms.AssignForm(request.POST, organization=request.user.organization, agents=agents)
    if not form.is_valid():
        return _page(request, 422, assign_form=form)
    try:
        count = svc.agent_schedule_assign(by=request.user, schedule=form.cleaned_data["schedule"],
                                          agents=list(form.cleaned_data["agents"]),
                                          valid_from=form.cleaned_data["valid_from"])
    except DomainError as exc:
        raise_if_not_allowed(exc)
        form.add_error(None, exc.message)
        return _page(request, 422, assign_form=form)
    messages.success(request, _("Schedule assigned to %(count)s agents.") % {"count": count})
    return redirect("config:schedules")


@login_required
@require_POST
def policies(request):
    """The organization's shift policies (administrators only)."""
    require_portal(request.user)
    require(request.user.is_org_admin)
    form = forms.ShiftPolicyForm(request.POST, organization=request.user.organization)
    if form.is_valid():
        try:
            changed = svc.organization_set_shift_policies(by=request.user, values=form.cleaned_data)
        except DomainError as exc:
            raise_if_not_allowed(exc)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Shift policies saved.") if changed else _("Nothing changed."))
            return redirect(f"{reverse('config:schedules')}#shift-policies")
    return _page(request, 422, policy_form=form)


def _week_url(agent, day) -> str:
    return f"{reverse('config:schedules')}?agent={agent.pk}&week={day:%Y-%m-%d}#week"


def _agent_change(request, agent, form, service, success: str, *, week_of: str, form_name: str):
    """An agent's week changed by one form (an exception, a copied week): the service's refusal
    goes on the form, re-shown on the agent's week with 422; success returns to the week of the
    form's `week_of` date."""
    if form.is_valid():
        try:
            service(by=request.user, agent=agent, **form.cleaned_data)
        except DomainError as exc:
            raise_if_not_allowed(exc)
            form.add_error(None, exc.message)
        else:
            messages.success(request, success)
            return redirect(_week_url(agent, form.cleaned_data[week_of]))
    return _page(request, 422, agent=agent, **{form_name: form})


@login_required
@require_POST
def exception_add(request, agent_id):
    require_portal(request.user)
    agent = _agent(request.user, agent_id)
    return _agent_change(request, agent, forms.ExceptionForm(request.POST), svc.schedule_exception_add,
                         _("Exception added."), week_of="date", form_name="exception_form")


@login_required
@require_POST
def exception_remove(request, agent_id, exception_id):
    require_portal(request.user)
    agent = _agent(request.user, agent_id)
    exception = get_object_or_404(ScheduleException, pk=exception_id, agent=agent)
    svc.schedule_exception_remove(by=request.user, exception=exception)
    return redirect(_week_url(agent, exception.date))


@login_required
@require_POST
def week_copy(request, agent_id):
    require_portal(request.user)
    agent = _agent(request.user, agent_id)
    return _agent_change(request, agent, forms.CopyWeekForm(request.POST), svc.schedule_week_copy,
                         _("Week copied."), week_of="target", form_name="copy_form")
