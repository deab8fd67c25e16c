"""Forms of the configuration portal. They check the shape of what was typed; the services of each
entity (contactcenter/services/queues.py, skills.py, catalog.py…) check the rules. Choices are
limited to the user's organization."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext_lazy as _

from contactcenter.connectors import outbound
from contactcenter.models import (
    BusinessHours,
    BusinessHoursInterval,
    CannedResponse,
    Channel,
    Disposition,
    PrerecordedMessage,
    Queue,
    QueueMembership,
    Role,
    Skill,
    StatusDefinition,
    Tag,
    User,
)
from contactcenter.services.uploads import accept_attribute


class OrganizationForm(forms.ModelForm):
    """A model form whose choices (foreign keys, many-to-many) come from one organization. A name
    already used in the organization is reported with the other errors, in the same round (the
    services check it again)."""

    duplicate_message = _("There is already an item named “%(name)s”.")
    same_kind: dict = {}  # more filters of what counts as the same name, e.g. pause reasons only

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Write a name."))
        duplicates = self._meta.model.objects.filter(organization=self.organization, name__iexact=name,
                                                     **self.same_kind)
        if duplicates.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(self.duplicate_message % {"name": name}, code="duplicate")
        return name


class QueueForm(OrganizationForm):
    duplicate_message = _("There is already a queue named “%(name)s”.")

    class Meta:
        model = Queue
        fields = [
            "name", "kind", "strategy", "capacity", "priority", "after_service_seconds", "after_service_enforced",
            "offer_timeout_seconds", "reoffer_after_seconds", "service_level_seconds", "required_skills",
            "dispositions", "business_hours", "auto_reply_outside_hours", "auto_reply_no_agents", "auto_reply_queued",
            "csat_enabled", "csat_window_hours", "is_active",
        ]
        widgets = {
            "required_skills": forms.CheckboxSelectMultiple,
            "dispositions": forms.CheckboxSelectMultiple,
            "auto_reply_outside_hours": forms.Textarea(attrs={"rows": 2}),
            "auto_reply_no_agents": forms.Textarea(attrs={"rows": 2}),
            "auto_reply_queued": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, organization=organization, **kwargs)
        self.fields["reoffer_after_seconds"].required = False  # empty: the queue's current value
        self.fields["csat_window_hours"].required = False
        self.fields["required_skills"].queryset = Skill.objects.filter(organization=organization)
        self.fields["dispositions"].queryset = Disposition.objects.filter(organization=organization, is_active=True)
        self.fields["business_hours"].queryset = BusinessHours.objects.filter(organization=organization)
        for name in ("auto_reply_outside_hours", "auto_reply_no_agents", "auto_reply_queued"):
            self.fields[name].max_length = 1000
            self.fields[name].widget.attrs["maxlength"] = 1000

    def clean_reoffer_after_seconds(self):
        value = self.cleaned_data.get("reoffer_after_seconds")
        return self.instance.reoffer_after_seconds if value is None else value

    def clean_csat_window_hours(self):
        value = self.cleaned_data.get("csat_window_hours")
        return self.instance.csat_window_hours if value is None else value


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("As"), choices=QueueMembership.Role.choices)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(organization=organization, is_active=True)


class SkillForm(OrganizationForm):
    duplicate_message = _("There is already a skill named “%(name)s”.")

    class Meta:
        model = Skill
        fields = ["name"]


class AgentSkillForm(forms.Form):
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=User.objects.none())
    level = forms.IntegerField(label=_("Level (1–10)"), min_value=1, max_value=10, initial=5)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = User.objects.filter(organization=organization, is_active=True)


class PauseReasonForm(OrganizationForm):
    duplicate_message = _("There is already a pause reason named “%(name)s”.")
    same_kind = {"kind": StatusDefinition.Kind.PAUSE}

    class Meta:
        model = StatusDefinition
        fields = ["name", "max_minutes", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["max_minutes"].max_value = 24 * 60
        self.fields["max_minutes"].widget.attrs.update({"min": 1, "max": 24 * 60})

    def clean_max_minutes(self):
        value = self.cleaned_data["max_minutes"]
        if value is not None and not 1 <= value <= 24 * 60:
            raise forms.ValidationError(_("Between 1 and 1440 minutes, or empty for no limit."))
        return value


class DispositionForm(OrganizationForm):
    duplicate_message = _("There is already a disposition named “%(name)s”.")

    class Meta:
        model = Disposition
        fields = ["name", "reschedules", "is_active"]


class TagForm(OrganizationForm):
    duplicate_message = _("There is already a tag named “%(name)s”.")

    class Meta:
        model = Tag
        fields = ["name", "color"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}

    def clean_color(self):
        color = self.cleaned_data["color"].strip().lower()
        if not re.fullmatch(r"#[0-9a-f]{6}", color):
            raise forms.ValidationError(_("Choose a color like #1e88e5."))
        return color


class CannedForm(forms.ModelForm):
    # A plain text field: the list shows shortcuts as "/saludo", so a typed "/saludo" is accepted.
    shortcut = forms.CharField(label=CannedResponse._meta.get_field("shortcut").verbose_name.capitalize(),
                               max_length=41, widget=forms.TextInput(attrs={"placeholder": "saludo"}))

    class Meta:
        model = CannedResponse
        fields = ["shortcut", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_shortcut(self):
        shortcut = self.cleaned_data["shortcut"].strip().lstrip("/")
        try:
            validate_slug(shortcut)
        except ValidationError:
            raise forms.ValidationError(_("Use letters, digits, hyphens or underscores, e.g. saludo."),
                                        code="invalid") from None
        public = CannedResponse.objects.filter(organization=self.organization, owner__isnull=True,
                                               shortcut__iexact=shortcut)
        if public.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("The shortcut /%(s)s is already used.") % {"s": shortcut},
                                        code="duplicate")
        return shortcut


class PrerecordedForm(OrganizationForm):
    duplicate_message = _("There is already a message named “%(name)s”.")
    audio = forms.FileField(label=_("Audio"), required=False,
                                 widget=forms.ClearableFileInput(attrs={"accept": accept_attribute(["audio"])}))

    class Meta:
        model = PrerecordedMessage
        fields = ["name"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not data.get("audio"):
            self.add_error("audio", _("Choose the audio file of the message."))
        return data


class ChannelForm(OrganizationForm):
    duplicate_message = _("There is already a channel named “%(name)s”.")

    class Meta:
        model = Channel
        fields = ["kind", "name", "queue", "webhook_url", "settings", "is_active"]
        widgets = {"settings": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, organization=organization, **kwargs)
        self.fields["queue"].queryset = Queue.objects.filter(organization=organization, is_active=True)
        self.fields["settings"].help_text = _('JSON, e.g. {"verify_token": "…", "app_secret": "…"}')

    def clean_webhook_url(self):
        return outbound.clean_webhook_url(self.cleaned_data["webhook_url"])

    def clean_settings(self):
        return outbound.clean_provider_settings(self.cleaned_data["settings"])


class UserCreateForm(forms.Form):
    username = forms.RegexField(label=_("Username"), max_length=150, regex=r"^[\w.@+-]+$",
                                error_messages={"invalid": _("Letters, digits and @ . + - _ only.")})
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)
    extension = forms.CharField(label=_("Extension"), max_length=20, required=False)
    password = forms.CharField(
        label=_("Password"), required=False, min_length=8, widget=forms.PasswordInput(render_value=False),
        help_text=_("Empty: an invitation to choose one is sent to the email address."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("The username “%(name)s” is taken.") % {"name": username},
                                        code="duplicate")
        return username

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("password") and not data.get("email"):
            self.add_error("email", _("Give an email address to send the invitation to, or a password."))
        return data


class UserEditForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "role", "extension"]

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)


class BanForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class CampaignImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))


class BusinessHoursForm(OrganizationForm):
    duplicate_message = _("There are already business hours named “%(name)s”.")

    class Meta:
        model = BusinessHours
        fields = ["name"]


class IntervalForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Day"), choices=BusinessHoursInterval.Weekday.choices, coerce=int)
    opens = forms.TimeField(label=_("Opens"), widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("Closes"), widget=forms.TimeInput(attrs={"type": "time"}),
                             help_text=_("00:00 means midnight (end of the day)."))


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=80, required=False)

