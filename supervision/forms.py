from django import forms
from django.utils.translation import gettext_lazy as _

from contactcenter.models import Queue, User
from contactcenter.selectors import audit as audit_sel


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
