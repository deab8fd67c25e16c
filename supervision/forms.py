from django import forms
from django.utils.translation import gettext_lazy as _

from contactcenter.models import Channel, NotificationPreference, Queue, User
from contactcenter.selectors import audit as audit_sel
from contactcenter.selectors import report_drill, report_ranges, report_splits


class AuditFilterForm(forms.Form):
    """The audit page's filters; every choice is limited to what the reader may see."""

    actor = forms.ModelChoiceField(label=_("Who"), queryset=User.objects.none(), required=False,
                                   empty_label=_("Anyone"))
    target = forms.ModelChoiceField(label=_("Affected agent"), queryset=User.objects.none(), required=False,
                                    empty_label=_("Any agent"))
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.none(), required=False,
                                   empty_label=_("Any queue"))
    action = forms.ChoiceField(label=_("Action"), required=False)
    day_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    day_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organization_id: int, queues, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(organization_id=organization_id).order_by("first_name", "username")
        self.fields["actor"].queryset = people
        self.fields["target"].queryset = people
        self.fields["queue"].queryset = queues.order_by("name")
        self.fields["action"].choices = [("", _("Any action")), *audit_sel.action_choices(organization_id)]

    def clean(self):
        data = super().clean()
        if data.get("day_from") and data.get("day_to") and data["day_from"] > data["day_to"]:
            self.add_error("day_to", _("The end date is before the start date."))
        return data


class ReportFilterForm(forms.Form):
    """The filters every report tab shares (GET parameters, so a report is a bookmarkable URL):
    a preset range or a custom from–to in the organization's days, queues, channel kind, agent and
    granularity. Every choice is limited to what the reader may see."""

    range = forms.ChoiceField(label=_("Period"), required=False,
                              choices=[*report_ranges.PRESETS.items(), ("custom", _("Custom"))])
    # `from` is a Python keyword: the field is named from_ and read from the "from" parameter.
    from_ = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    queue = forms.ModelMultipleChoiceField(label=_("Queues"), queryset=Queue.objects.none(), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("Any channel")), *Channel.Kind.choices])
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=User.objects.none(), required=False,
                                   empty_label=_("Any agent"),
                                   help_text=_("On the Agents, Agent status and Dispositions and tags tabs: the "
                                               "queue figures are not per agent."))
    granularity = forms.ChoiceField(label=_("By"), required=False, choices=list(report_ranges.GRANULARITIES.items()))
    split = forms.ChoiceField(label=_("Split by"), required=False,
                              choices=[("", _("Nothing")), *report_splits.SPLITS.items()],
                              help_text=_("Compare handle time and ratings by the schedule each agent followed "
                                          "that day, or by whether the system paused them in the hour (a status "
                                          "rule, a missed offer)."))

    MAX_HOURLY_DAYS = 31  # an hourly table beyond a month is for the CSV export

    def __init__(self, data=None, *, queues, agents, zone, today, split=False, **kwargs):
        super().__init__(data.copy() if data is not None else None, **kwargs)
        if not split:  # the Agents tab's choice only
            del self.fields["split"]
        self.fields["queue"].queryset = queues.order_by("name")
        self.fields["agent"].queryset = agents.order_by("first_name", "username")
        self.zone, self.today = zone, today

    def add_prefix(self, field_name):
        # The URL says ?from=…&to=… as the bookmarkable links do.
        return "from" if field_name == "from_" else super().add_prefix(field_name)

    def clean(self):
        data = super().clean()
        chosen = data.get("range") or ("custom" if data.get("from_") or data.get("to") else "last_7_days")
        self._show_default("range", chosen)
        if chosen == "custom":
            first, last = data.get("from_"), data.get("to")
            if first is None:
                self.add_error("from_", _("Choose the first day."))
            if last is None:
                self.add_error("to", _("Choose the last day."))
            if first and last:
                if last < first:
                    self.add_error("to", _("The end date is before the start date."))
                elif (last - first).days + 1 > report_ranges.MAX_DAYS:
                    self.add_error("to", _("Choose at most %(days)s days.") % {"days": report_ranges.MAX_DAYS})
                elif last > self.today:
                    self.add_error("to", _("The last day cannot be in the future."))
            if self.errors:
                return data
            data["period"] = report_ranges.ReportRange(first, last, self.zone)
        else:
            data["period"] = report_ranges.preset_range(chosen, today=self.today, zone=self.zone)
        data["range"] = chosen
        granularity = data.get("granularity") or ("hour" if data["period"].days <= 2 else "day")
        exporting = self.data.get("format") == "csv"  # a file may hold a year by hour; a page may not
        if granularity == "hour" and data["period"].days > self.MAX_HOURLY_DAYS and not exporting:
            self.add_error("granularity", _("By hour shows at most %(days)s days; choose day or week.")
                           % {"days": self.MAX_HOURLY_DAYS})
        data["granularity"] = granularity
        self._show_default("granularity", granularity)
        return data

    def names_what_is_not_theirs(self) -> bool:
        """A queue or agent id the reader may not see (another organization's, or outside a limited
        supervisor's queues) is a 404 for the view, as anywhere else, not a form error."""
        errors = self.errors.as_data()
        return any(error.code in ("invalid_choice", "invalid_pk_value")
                   for name in ("queue", "agent") for error in errors.get(name, []))

    def _show_default(self, name: str, value: str) -> None:
        """A link may leave a choice out (the default applies); the form then shows the choice the
        report used. Otherwise the select shows its first option, and "Show" would send that one."""
        if not self.data.get(name):
            self.data[name] = value


class ReportDrillForm(ReportFilterForm):
    """The reports' filters plus which figure's conversations to list (granularity means nothing
    for a list)."""

    figure = forms.ChoiceField(label=_("Figure"), required=False,
                               choices=[(name, f.label) for name, f in report_drill.DRILL_FIGURES.items()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["granularity"]

    def clean(self):
        data = super().clean()
        data["figure"] = data.get("figure") or "offered"
        return data


class AgentDayForm(forms.Form):
    """Which local day of an agent's status timeline to show (today by default)."""

    date = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, today, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today

    def clean_date(self):
        day = self.cleaned_data.get("date") or self.today
        if day > self.today:
            raise forms.ValidationError(_("The day cannot be in the future."))
        return day


class NotificationPreferenceForm(forms.Form):
    """What a supervisor is told of their agents' status, and how (services/notifications.py
    checks it again)."""

    status_changes = forms.ChoiceField(label=_("Status changes that notify me"),
                                       choices=NotificationPreference.StatusChanges.choices, widget=forms.RadioSelect)
    missed_shifts = forms.BooleanField(label=_("Agents who do not log in for their shift"), required=False)
    agents = forms.ModelMultipleChoiceField(
        label=_("Only these agents"), queryset=User.objects.none(), required=False,
        help_text=_("None chosen: every agent you supervise."))
    panel = forms.BooleanField(label=_("A toast in the panel, with a sound"), required=False)
    browser = forms.BooleanField(
        label=_("A browser notification when the panel's tab is in the background"), required=False,
        help_text=_("Your browser asks once whether to allow notifications from this site."))
    email_digest = forms.BooleanField(label=_("An e-mail digest"), required=False)

    def __init__(self, *args, agents, digest_minutes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agents"].queryset = agents
        self.fields["email_digest"].help_text = _(
            "One mail every %(minutes)s minutes with the changes since the previous one (none when nothing "
            "happened).") % {"minutes": digest_minutes}
