"""What a web chat visitor may send: plain text of bounded size, no markup."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contactcenter.services.messages import MAX_TEXT

# A tag or comment opener ("<b", "</", "<!", "<?"), as browsers parse them: "a < b" and "<3" stay allowed.
MARKUP = re.compile(r"<[a-zA-Z/!?]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PHONE = re.compile(r"^\+?[0-9 ()./-]{3,32}$")


def plain_text(value: str) -> str:
    if MARKUP.search(value):
        raise ValidationError(_("Please write plain text: HTML and scripts are not accepted."), code="markup")
    if CONTROL.search(value):
        raise ValidationError(_("The text contains characters that are not allowed."), code="control")
    return value


class StartForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=80, validators=[plain_text])
    email = forms.EmailField(label=_("Email (optional)"), max_length=120, required=False)
    phone = forms.CharField(label=_("Phone (optional)"), max_length=32, required=False)
    text = forms.CharField(label=_("How can we help?"), max_length=MAX_TEXT, required=False,
                           validators=[plain_text], widget=forms.Textarea(attrs={"rows": 3}))

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise ValidationError(_("Write the phone with digits only (and +, spaces or dashes)."))
        return phone


class MessageForm(forms.Form):
    text = forms.CharField(label=_("Message"), max_length=MAX_TEXT, required=False, validators=[plain_text],
                           widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("Attach a file"), required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("text") or data.get("file")):
            self.add_error("text", _("Write a message or attach a file."))
        return data
