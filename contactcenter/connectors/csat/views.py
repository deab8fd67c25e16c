"""/rate/<signed token>/: a customer rates the conversation an agent closed, from 1 to 5 with an
optional comment, and may change it once within the window. Public: the signed token is the
only key (a forged or altered one is a 404, as is an unknown one); the form is CSRF-exempt as
the web chat's (an embedding site's iframe gets no CSRF cookie) and rate-limited per client."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from contactcenter.connectors import ratelimit
from contactcenter.connectors.csat.forms import RatingForm
from contactcenter.services import csat
from contactcenter.services.errors import DomainError

PAGE = "csat/rate.html"
PER_CLIENT, PER_RATING = 30, 20  # posts a minute


def rating_context(rating, token: str, **extra) -> dict:
    """What the survey box needs (the web chat's page uses it too)."""
    return {"rating": rating, "rating_token": token, "rating_open": csat.is_open(rating),
            "rating_expired": timezone.now() >= rating.expires_at, **extra}


def _allowed(request, rating) -> bool:
    client = request.META.get("REMOTE_ADDR", "") or "unknown"
    return not ratelimit.exceeded(request, ratelimit.Limit("csat:client", client, PER_CLIENT),
                                  ratelimit.Limit("csat:rating", rating.pk, PER_RATING))


@never_cache
@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def rate(request, token: str):
    rating = csat.rating_for_token(token)
    if rating is None:
        raise Http404
    template = f"{PAGE}#rating-box" if request.htmx else PAGE
    ctx = {"organization": rating.organization}
    if request.method == "GET":
        return render(request, template, {**ctx, **rating_context(rating, token)})
    form = RatingForm(request.POST)
    status, extra = 200, {"rating_form": form}
    if not _allowed(request, rating):
        form.is_valid()
        form.add_error(None, _("Too many attempts. Please wait a minute and try again."))
        status = 429
    elif not form.is_valid():
        status = 422
    else:
        try:
            rating = csat.csat_answer(token=token, score=form.cleaned_data["score"],
                                      comment=form.cleaned_data["comment"])
            extra = {"rating_saved": True}
        except DomainError as error:
            form.add_error(None, error.message)
            status = 422
            rating.refresh_from_db()
    return render(request, template, {**ctx, **rating_context(rating, token, **extra)}, status=status)
