"""The report filters read from the URL: presets, a custom from–to in the organization's days,
and every wrong value refused with a translated message."""

import datetime as dt
import zoneinfo

import pytest
from django.http import QueryDict
from django.utils import translation

from contactcenter.models import Queue, User
from supervision.forms import ReportFilterForm
from tests import factories as f

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
TODAY = dt.date(2027, 3, 10)


def form(query: str, **kwargs):
    org = kwargs.pop("org", None)
    queues = Queue.objects.filter(organization=org) if org else Queue.objects.none()
    agents = User.objects.filter(organization=org) if org else User.objects.none()
    return ReportFilterForm(QueryDict(query), queues=queues, agents=agents, zone=MADRID, today=TODAY)


@pytest.mark.django_db
def test_no_parameters_mean_the_last_7_days_by_day():
    chosen = form("")
    assert chosen.is_valid(), chosen.errors
    period = chosen.cleaned_data["period"]
    assert (period.first_day, period.last_day) == (dt.date(2027, 3, 4), TODAY)
    assert chosen.cleaned_data["granularity"] == "day"


@pytest.mark.django_db
def test_yesterday_is_shown_by_hour():
    chosen = form("range=yesterday")
    assert chosen.is_valid(), chosen.errors
    assert chosen.cleaned_data["period"].first_day == dt.date(2027, 3, 9)
    assert chosen.cleaned_data["granularity"] == "hour"


@pytest.mark.django_db
def test_from_and_to_choose_a_custom_range():
    chosen = form("from=2027-01-01&to=2027-01-31&granularity=week")
    assert chosen.is_valid(), chosen.errors
    period = chosen.cleaned_data["period"]
    assert (period.first_day, period.last_day, chosen.cleaned_data["range"]) == (
        dt.date(2027, 1, 1), dt.date(2027, 1, 31), "custom")


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "field", "message"), [
    ("from=2027-02-01&to=2027-01-01", "to", "La fecha final es anterior a la inicial."),
    ("from=2027-01-01", "to", "Elige el último día."),
    ("range=custom&to=2027-01-01", "from", "Elige el primer día."),
    ("from=2020-01-01&to=2027-01-01", "to", "Elige como máximo 732 días."),
    ("from=2027-03-01&to=2027-03-11", "to", "El último día no puede estar en el futuro."),
    ("from=yesterday&to=2027-01-01", "from", "Escribe una fecha válida."),
    ("range=forever", "range", "Elige una opción válida. forever no es una de las opciones disponibles."),
    ("from=2027-01-01&to=2027-02-28&granularity=hour", "granularity",
     "Por hora muestra como máximo 31 días; elige día o semana."),
    ("range=today&granularity=minute", "granularity",
     "Elige una opción válida. minute no es una de las opciones disponibles."),
    ("from=2027-01-01&to=<script>", "to", "Escribe una fecha válida."),
])
def test_wrong_values_are_refused_with_a_translated_message(query, field, message):
    with translation.override("es"):
        chosen = form(query)
        assert not chosen.is_valid()
        assert message in chosen.errors[field if field != "from" else "from_"]


@pytest.mark.django_db
def test_another_organizations_queue_is_not_a_choice():
    mine, theirs = f.OrganizationFactory(), f.OrganizationFactory()
    other_queue = f.QueueFactory(organization=theirs)
    chosen = form(f"range=today&queue={other_queue.pk}", org=mine)
    assert not chosen.is_valid()
    assert "queue" in chosen.errors


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "shown"), [
    ("", {"range": "last_7_days", "granularity": "day"}),
    ("from=2027-03-09&to=2027-03-10", {"range": "custom", "granularity": "hour"}),
    ("range=this_month&granularity=week", {"range": "this_month", "granularity": "week"}),
])
def test_the_form_shows_the_choices_the_report_used_when_the_link_leaves_them_out(query, shown):
    """Else a select shows its first option (today, by hour) and "Show" sends it, changing the report."""
    chosen = form(query)
    assert chosen.is_valid(), chosen.errors
    for name, value in shown.items():
        assert chosen[name].value() == value
        assert f'<option value="{value}" selected>' in str(chosen[name])
