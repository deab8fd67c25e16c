"""Forms of the Schedules page. They check the shape of what was typed; services/schedules.py
checks the rules. Choices come from the user's organization and the agents they may schedule."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from contactcenter.models import BusinessHoursInterval, Schedule, ScheduleException, StatusDefinition

TIME = {"widget": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class ScheduleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)


class ShiftForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=BusinessHoursInterval.Weekday.choices, coerce=int)
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
