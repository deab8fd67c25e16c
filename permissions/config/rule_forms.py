"""The form of the Status rules page. Its choices come from the user's organization (and, for a
supervisor limited to their queues, from their queues); the model's `clean` checks the
combinations (a pause needs its reason...) for this form and Django admin alike;
services/rules.py checks everything again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from contactcenter.models import StatusRule
from contactcenter.services import rules as services


class RuleForm(forms.ModelForm):
    class Meta:
        model = StatusRule
        fields = ["name", "is_enabled", "trigger", "threshold", "queues", "action", "pause_reason",
                  "duration_minutes", "message"]
        widgets = {"queues": forms.CheckboxSelectMultiple, "message": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["queues"].queryset = services.rule_queue_choices(user)
        self.fields["pause_reason"].queryset = services.rule_pause_choices(user)
        self.fields["threshold"].min_value = 0
        if services.limited_to_queues(user):
            self.fields["queues"].help_text = _("Choose one or more of your queues.")

    def clean_queues(self):
        queues = self.cleaned_data.get("queues")
        if services.limited_to_queues(self.user) and not queues:
            raise forms.ValidationError(_("Choose at least one of your queues."))
        return queues

    def service_fields(self) -> dict:
        """The cleaned data as services.rules.rule_save takes it."""
        data = self.cleaned_data
        return {name: data.get(name) for name in ("name", "trigger", "threshold", "action", "pause_reason",
                                                  "duration_minutes", "is_enabled")} | {
            "queues": list(data.get("queues") or []), "message": data.get("message") or ""}
