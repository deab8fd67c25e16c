"""What a customer may send with their rating: a score from 1 to 5 and a short plain comment."""

from django import forms
from django.utils.translation import gettext_lazy as _

from contactcenter.connectors.webchat.forms import plain_text
from contactcenter.models.csat import MAX_COMMENT, SCORE_MAX, SCORE_MIN


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"), coerce=int, choices=[(n, str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)],
        widget=forms.RadioSelect, error_messages={
            "required": _("Choose a score from 1 to 5."),
            "invalid_choice": _("Choose a score from 1 to 5."),
        })
    comment = forms.CharField(label=_("Comment (optional)"), max_length=MAX_COMMENT, required=False,
                              validators=[plain_text], widget=forms.Textarea(attrs={"rows": 2}))
