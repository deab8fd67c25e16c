"""Forms of the Schedules page. They check the shape of what was typed; services/schedules.py
checks the rules. Choices come from the user's organization and the agents they may schedule."""

import datetime

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from contactcenter.models import BusinessHours, BusinessHoursInterval, Schedule, ScheduleException, StatusDefinition
from contactcenter.services.schedules import MAX_GRACE_MINUTES, SHIFT_POLICIES

TIME = {"widget": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class ScheduleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)


class ShiftForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # A blank first choice: a row left untouched sends nothing, so the formset skips it (a select
    # without one always sends Monday, and the empty row would be refused for its missing times).
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=[("", "—"), *BusinessHoursInterval.Weekday.choices],
                                     coerce=int)
    starts = forms.TimeField(label=_("Starts"), **TIME)
    ends = forms.TimeField(label=_("Ends"), help_text=_("At or before the start: ends the next day."), **TIME)


ShiftFormSet = forms.formset_factory(ShiftForm, extra=2, can_delete=True)


class BreakForm(forms.Form):
    starts = forms.TimeField(label=_("Starts"), **TIME)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=24 * 60)
    pause = forms.ModelChoiceField(label=_("Pause reason"), queryset=StatusDefinition.objects.none())

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pause"].queryset = StatusDefinition.objects.filter(
            organization=organization, kind=StatusDefinition.Kind.PAUSE, is_active=True)


class AssignForm(forms.Form):
    schedule = forms.ModelChoiceField(label=_("Schedule"), queryset=Schedule.objects.none())
    agents = forms.ModelMultipleChoiceField(label=_("Agents"), queryset=None)
    valid_from = forms.DateField(label=_("From"), **DATE)

    def __init__(self, *args, organization, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schedule"].queryset = Schedule.objects.filter(organization=organization)
        self.fields["agents"].queryset = agents


class ExceptionForm(forms.Form):
    date = forms.DateField(label=_("Date"), **DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=ScheduleException.Kind.choices)
    starts = forms.TimeField(label=_("Starts"), required=False, **TIME)
    ends = forms.TimeField(label=_("Ends"), required=False, **TIME)
    note = forms.CharField(label=_("Note"), max_length=120, required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") in ScheduleException.TIMED and not (data.get("starts") and data.get("ends")):
            raise forms.ValidationError(_("An extra shift or changed hours needs a start and an end."))
        return data


class CopyWeekForm(forms.Form):
    source = forms.DateField(label=_("Copy the week of"), **DATE)
    target = forms.DateField(label=_("To the week of"), **DATE)

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("target"):
            data["source"] -= datetime.timedelta(days=data["source"].weekday())
            data["target"] -= datetime.timedelta(days=data["target"].weekday())
            if data["source"] == data["target"]:
                raise forms.ValidationError(_("Choose two different weeks."))
        return data


class ShiftPolicyForm(forms.Form):
    """The organization's shift policies (administrators only); each field's help says what it does."""

    shift_routing = forms.BooleanField(
        label=_("No routed work outside an agent's shift"), required=False,
        help_text=_("On (the default): agents with a schedule get no routed work outside their shifts; agents "
                    "without one are not affected. A supervisor may still assign by hand."))
    shift_allow_overtime = forms.BooleanField(
        label=_("Agents may take work outside their shift (overtime)"), required=False,
        help_text=_("On (the default): at shift end the agent stays logged in, with Receive new off, and may keep "
                    "working. Off: they are signed out when their conversations close or when the minutes below "
                    "run out."))
    shift_auto_ready = forms.BooleanField(
        label=_("At shift start, put agents in Ready and log them in to their queues"), required=False,
        help_text=_("Off by default. Only agents with the workspace open; a paused agent stays paused."))
    shift_end_grace_minutes = forms.IntegerField(
        label=_("Minutes after shift end to finish open conversations"), min_value=0, max_value=MAX_GRACE_MINUTES,
        help_text=lazy(lambda: _("At shift end Receive new goes off; without overtime the agent is signed out when "
                                 "their conversations close or after these minutes (15 by default, 0 to %(max)s).")
                       % {"max": MAX_GRACE_MINUTES}, str)())
    shift_breaks_pause = forms.BooleanField(
        label=_("Scheduled breaks pause the agent"), required=False,
        help_text=_("On (the default): at a break's start a working agent goes to its pause reason, and back at "
                    "its end. Off: breaks only show on the panel's adherence."))
    shift_holidays = forms.ModelChoiceField(
        label=_("Holidays that close every schedule"), queryset=BusinessHours.objects.none(), required=False,
        empty_label=_("None"),
        help_text=_("The holidays of these business hours are days without shifts for everyone (an exception "
                    "with changed hours or an extra shift still applies)."))

    def __init__(self, *args, organization, **kwargs):
        kwargs.setdefault("initial", {name: getattr(organization, name) for name in SHIFT_POLICIES})
        super().__init__(*args, **kwargs)
        self.fields["shift_holidays"].queryset = BusinessHours.objects.filter(organization=organization)
