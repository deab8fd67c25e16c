from django import forms
from django.utils.translation import gettext_lazy as _

from contactcenter.models import Contact, Conversation, Disposition, Queue
from contactcenter.services.messages import MAX_TEXT
from contactcenter.services.policies import dispositions_apply


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented way): the cleaned value is a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    """Text, files (the text is the first one's caption) or a location; internal notes never reach
    the customer."""

    text = forms.CharField(label=_("Message"), max_length=MAX_TEXT, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    internal = forms.BooleanField(label=_("Internal note"), required=False)
    file = MultipleFileField(label=_("Attach files"), required=False)
    latitude = forms.DecimalField(label=_("Latitude"), required=False, min_value=-90, max_value=90,
                                  max_digits=12, decimal_places=8)
    longitude = forms.DecimalField(label=_("Longitude"), required=False, min_value=-180, max_value=180,
                                   max_digits=12, decimal_places=8)
    location_label = forms.CharField(label=_("Place"), max_length=200, required=False)

    def clean_text(self):
        return self.cleaned_data["text"].strip()

    def clean(self):
        data = super().clean()
        lat, lng = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lng is None):
            raise forms.ValidationError(_("A location needs both latitude and longitude."))
        if not self.errors and not (data.get("text") or data.get("file") or lat is not None):
            self.add_error("text", _("Write a message, attach a file or share a location."))
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "phone", "email", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class DetailForm(forms.Form):
    """A custom contact detail (key: value)."""

    key = forms.CharField(label=_("Field"), max_length=40)
    value = forms.CharField(label=_("Value"), max_length=200, required=False)


class TagForm(forms.Form):
    tag = forms.CharField(label=_("Tag"), max_length=60)

    def clean_tag(self):
        value = " ".join(self.cleaned_data["tag"].split())
        if not value:
            raise forms.ValidationError(_("Write a tag name."))
        return value


class WrapupForm(forms.ModelForm):
    callback_at = forms.DateTimeField(
        label=_("Call back at"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Only with a disposition that reschedules (e.g. Volver a llamar)."),
    )

    class Meta:
        model = Conversation
        fields = ["disposition", "wrapup_notes"]
        widgets = {"wrapup_notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, queue=None, autosave_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # Dispositions apply only where the organization enables them and the queue has after
        # service time; a campaign's outcome is always a disposition.
        applies = queue is not None and (dispositions_apply(queue) or queue.kind == Queue.Kind.CAMPAIGN)
        self.fields["disposition"].queryset = (
            queue.dispositions.filter(is_active=True) if applies else Disposition.objects.none())
        self.fields["disposition"].required = False
        self.fields["wrapup_notes"].max_length = MAX_TEXT
        if autosave_url:
            # Saved as it is typed, so nothing is lost when the after-service time runs out.
            for name, trigger in (("wrapup_notes", "input changed delay:600ms"), ("disposition", "change")):
                self.fields[name].widget.attrs.update({
                    "hx-post": autosave_url, "hx-trigger": trigger, "hx-target": "#wrapup-saved",
                    "hx-swap": "innerHTML", "hx-vals": '{"autosave": "1"}',
                })


class TransferForm(forms.Form):
    MODES = [("consult", _("Ask first")), ("blind", _("Transfer now"))]

    target = forms.RegexField(regex=r"^(agent|queue):\d{1,12}$", label=_("Transfer to"),
                              error_messages={"invalid": _("Choose an agent or a queue."),
                                              "required": _("Choose an agent or a queue.")})
    mode = forms.ChoiceField(choices=MODES, initial="blind", label=_("How"))
    note = forms.CharField(max_length=300, required=False, label=_("Note for the colleague"))


class AssignForm(forms.Form):
    agent = forms.IntegerField(min_value=1, label=_("Assign to"))
