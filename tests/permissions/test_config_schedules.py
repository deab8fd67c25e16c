"""Configuration portal: schedules (weekly shifts and breaks), assigning one to many agents,
exceptions, an agent's week and copying it; bad input changes nothing; another organization's
ids are a 404; a supervisor limited to their queues schedules only their agents."""

import datetime
from datetime import time

import pytest
import time_machine
from django.urls import reverse

from contactcenter.models import (
    AgentSchedule,
    AgentState,
    AuditEntry,
    Schedule,
    ScheduleBreak,
    ScheduleException,
    ScheduleShift,
)
from contactcenter.services import schedules
from contactcenter.services.errors import NotAllowed
from tests import factories as f
from tests.permissions.config_support import html
from tests.permissions.conftest import client_for, set_toggles

pytestmark = pytest.mark.django_db

LIST = reverse("config:schedules")
NOW = datetime.datetime(2027, 3, 3, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def shift_rows(*rows, existing=0):
    data = {"shifts-TOTAL_FORMS": str(len(rows)), "shifts-INITIAL_FORMS": str(existing),
            "shifts-MIN_NUM_FORMS": "0", "shifts-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"shifts-{index}-{key}"] = value
    return data


@pytest.fixture
def morning(personas):
    schedule = f.ScheduleFactory(organization=personas.organization, name="Mañana")
    f.ScheduleShiftFactory(schedule=schedule, weekday=0, starts=time(8), ends=time(15))
    return schedule


def test_an_admin_creates_a_schedule_with_shifts_including_an_overnight_one(personas):
    admin = client_for(personas.admin)
    response = admin.post(LIST, {"name": "Noche", **shift_rows(
        {"weekday": "4", "starts": "22:00", "ends": "06:00"}, {"weekday": "0", "starts": "08:00", "ends": "15:00"})})
    assert response.status_code == 302
    schedule = Schedule.objects.get(organization=personas.organization, name="Noche")
    shifts = list(schedule.shifts.order_by("weekday"))
    assert [(s.weekday, s.starts, s.ends, s.crosses_midnight) for s in shifts] == [
        (0, time(8), time(15), False), (4, time(22), time(6), True)]


def test_the_rows_left_blank_in_the_shift_form_are_skipped(personas):
    # What a browser sends for the form's second, untouched row: no weekday chosen, no times.
    response = client_for(personas.admin).post(LIST, {"name": "Tarde", **shift_rows(
        {"weekday": "2", "starts": "14:00", "ends": "20:00"}, {"weekday": "", "starts": "", "ends": ""})})
    assert response.status_code == 302
    assert [(s.weekday, s.starts) for s in Schedule.objects.get(name="Tarde").shifts.all()] == [(2, time(14))]


def test_bad_shift_input_is_a_translated_error_and_creates_nothing(personas):
    admin = client_for(personas.admin)
    response = admin.post(LIST, {"name": "Rota", **shift_rows({"weekday": "9", "starts": "25:00", "ends": "x"})})
    assert response.status_code == 422
    assert "Select a valid choice" in html(response) and "Enter a valid time" in html(response)
    assert not Schedule.objects.filter(name="Rota").exists()
    spanish = client_for(personas.admin)
    spanish.cookies["django_language"] = "es"
    assert "Escribe una hora válida" in html(spanish.post(LIST, {"name": "Rota", **shift_rows(
        {"weekday": "0", "starts": "25:00", "ends": "08:00"})}))


def test_a_duplicate_schedule_name_is_refused(personas, morning):
    response = client_for(personas.admin).post(LIST, {"name": "mañana", **shift_rows()})
    assert response.status_code == 422 and "There is already a schedule named" in html(response)
    assert Schedule.objects.filter(organization=personas.organization).count() == 1


def test_an_admin_edits_and_deletes_shifts_of_a_schedule(personas, morning):
    shift = morning.shifts.get()
    url = reverse("config:schedule", args=[morning.pk])
    response = client_for(personas.admin).post(url, {"name": "Mañana", **shift_rows(
        {"id": str(shift.pk), "weekday": "0", "starts": "09:00", "ends": "15:00"},
        {"weekday": "1", "starts": "09:00", "ends": "15:00"}, existing=1)})
    assert response.status_code == 302
    assert sorted(morning.shifts.values_list("weekday", "starts")) == [(0, time(9)), (1, time(9))]
    client_for(personas.admin).post(url, {"name": "Mañana", **shift_rows(
        {"id": str(shift.pk), "weekday": "0", "starts": "09:00", "ends": "15:00", "DELETE": "on"}, existing=1)})
    assert not ScheduleShift.objects.filter(pk=shift.pk).exists()


def test_a_break_is_added_inside_its_shift_and_refused_outside_it(personas, morning):
    shift = morning.shifts.get()
    pause = f.PauseReasonFactory(organization=personas.organization, name="Comida")
    url = reverse("config:schedule-break-add", args=[morning.pk, shift.pk])
    admin = client_for(personas.admin)
    admin.post(url, {"starts": "11:30", "minutes": "30", "pause": str(pause.pk)})
    assert list(ScheduleBreak.objects.values_list("starts", "minutes")) == [(time(11, 30), 30)]
    response = admin.post(url, {"starts": "14:50", "minutes": "30", "pause": str(pause.pk)}, follow=True)
    assert "The break must fit inside its shift" in html(response)
    response = admin.post(url, {"starts": "12:00", "minutes": "0", "pause": str(pause.pk)}, follow=True)
    assert "greater than or equal to 1" in html(response)
    assert ScheduleBreak.objects.count() == 1


def test_one_action_assigns_a_schedule_to_many_agents_from_a_date(personas, morning):
    p = personas
    response = client_for(p.admin).post(reverse("config:schedule-assign"), {
        "schedule": str(morning.pk), "agents": [str(p.agent.pk), str(p.colleague.pk)], "valid_from": "2027-03-08"})
    assert response.status_code == 302
    assert set(AgentSchedule.objects.values_list("agent_id", "valid_from")) == {
        (p.agent.pk, datetime.date(2027, 3, 8)), (p.colleague.pk, datetime.date(2027, 3, 8))}
    assert AgentState.objects.get(agent=p.agent).shift_next_change == NOW  # recomputed on the next tick


def test_assigning_with_a_bad_date_changes_nothing(personas, morning):
    response = client_for(personas.admin).post(reverse("config:schedule-assign"), {
        "schedule": str(morning.pk), "agents": [str(personas.agent.pk)], "valid_from": "mañana"})
    assert response.status_code == 422 and "Enter a valid date" in html(response)
    assert not AgentSchedule.objects.exists()


def test_the_week_view_shows_the_agents_shifts_and_exceptions(personas, morning):
    p = personas
    f.AgentScheduleFactory(agent=p.agent, schedule=morning, valid_from=datetime.date(2027, 1, 1))
    admin = client_for(p.admin)
    url = reverse("config:schedule-exception-add", args=[p.agent.pk])
    assert admin.post(url, {"date": "2027-03-10", "kind": "extra_shift", "starts": "16:00",
                            "ends": "20:00"}).status_code == 302
    page = html(admin.get(LIST, {"agent": p.agent.pk, "week": "2027-03-10"}))
    assert "08:00–15:00" in page and "16:00–20:00" in page and "Extra shift" in page


def test_an_exception_without_its_times_is_refused(personas):
    url = reverse("config:schedule-exception-add", args=[personas.agent.pk])
    response = client_for(personas.admin).post(url, {"date": "2027-03-10", "kind": "changed_hours"})
    assert response.status_code == 422 and "needs a start and an end" in html(response)
    assert not ScheduleException.objects.exists()
    # The page comes back on that agent's week, with what was typed.
    page = html(response)
    assert 'data-testid="week"' in page and f'<option value="{personas.agent.pk}" selected>' in page
    assert 'value="2027-03-10"' in page


def test_copying_a_week_makes_the_target_week_the_same(personas, morning):
    p = personas
    f.AgentScheduleFactory(agent=p.agent, schedule=morning, valid_from=datetime.date(2027, 1, 1))
    f.ScheduleExceptionFactory(agent=p.agent, date=datetime.date(2027, 3, 3), kind="extra_shift",
                               starts=time(16), ends=time(20))
    response = client_for(p.admin).post(reverse("config:schedule-week-copy", args=[p.agent.pk]),
                                        {"source": "2027-03-01", "target": "2027-03-15"})
    assert response.status_code == 302
    page = html(client_for(p.admin).get(LIST, {"agent": p.agent.pk, "week": "2027-03-15"}))
    assert "08:00–15:00" in page and "16:00–20:00" in page
    assert ScheduleException.objects.filter(agent=p.agent, date=datetime.date(2027, 3, 16), kind="day_off").exists()


def test_copying_a_week_onto_itself_is_refused(personas):
    response = client_for(personas.admin).post(reverse("config:schedule-week-copy", args=[personas.agent.pk]),
                                               {"source": "2027-03-01", "target": "2027-03-03"})
    assert response.status_code == 422 and "Choose two different weeks" in html(response)
    page = html(response)
    assert 'data-testid="week-copy"' in page and f'<option value="{personas.agent.pk}" selected>' in page
    assert 'value="2027-03-03"' in page


def test_another_organizations_ids_are_a_404(personas):
    p = personas
    theirs = f.ScheduleFactory(organization=p.outsider.organization)
    stranger = f.AgentFactory(organization=p.outsider.organization)
    admin = client_for(p.admin)
    assert admin.get(reverse("config:schedule", args=[theirs.pk])).status_code == 404
    assert admin.post(reverse("config:schedule-exception-add", args=[stranger.pk]),
                      {"date": "2027-03-10", "kind": "day_off"}).status_code == 404
    assert admin.post(reverse("config:schedule-week-copy", args=[stranger.pk]),
                      {"source": "2027-03-01", "target": "2027-03-08"}).status_code == 404
    response = admin.post(reverse("config:schedule-assign"), {
        "schedule": str(theirs.pk), "agents": [str(p.agent.pk)], "valid_from": "2027-03-08"})
    assert response.status_code == 422 and not AgentSchedule.objects.exists()


def test_a_limited_supervisor_schedules_only_their_queues_agents(personas, morning):
    p = personas
    set_toggles(p.organization, supervisors_access_config=True)
    outside = f.AgentFactory(organization=p.organization, username="rita")
    sofia = client_for(p.supervisor)
    assert sofia.get(LIST).status_code == 200
    assert sofia.post(reverse("config:schedule-exception-add", args=[outside.pk]),
                      {"date": "2027-03-10", "kind": "day_off"}).status_code == 404
    response = sofia.post(reverse("config:schedule-assign"), {
        "schedule": str(morning.pk), "agents": [str(outside.pk)], "valid_from": "2027-03-08"})
    assert response.status_code == 422 and not AgentSchedule.objects.exists()
    assert sofia.post(reverse("config:schedule-exception-add", args=[p.agent.pk]),
                      {"date": "2027-03-10", "kind": "day_off"}).status_code == 302
    f.AgentScheduleFactory(agent=outside, schedule=morning)
    page = html(sofia.get(reverse("config:schedule", args=[morning.pk])))
    assert "only an administrator can change it" in page


def test_agents_and_supervisors_without_the_portal_are_refused(personas):
    assert client_for(personas.agent).get(LIST).status_code == 403
    assert client_for(personas.supervisor).get(LIST).status_code == 403


# --- The organization's shift policies -----------------------------------------------------------------

POLICIES = reverse("config:schedule-policies")
DEFAULTS = {"shift_routing": True, "shift_allow_overtime": True, "shift_auto_ready": False,
            "shift_end_grace_minutes": 15, "shift_breaks_pause": True, "shift_holidays": None}


def policies_of(organization):
    organization.refresh_from_db()
    return {name: getattr(organization, name) for name in DEFAULTS}


def policy_post(**values):
    """The form as a browser sends it: a checkbox left unticked is not sent at all."""
    data = {"shift_end_grace_minutes": "15", "shift_holidays": "", "shift_routing": "on",
            "shift_allow_overtime": "on", "shift_breaks_pause": "on"}
    for name, value in values.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_an_admin_changes_the_shift_policies_each_change_audited(personas, morning):
    closed = f.BusinessHoursFactory(organization=personas.organization, name="Festivos")
    f.AgentScheduleFactory(agent=personas.agent, schedule=morning)
    AgentState.objects.filter(agent=personas.agent).update(shift_next_change=None)
    response = client_for(personas.admin).post(POLICIES, policy_post(
        shift_routing=None, shift_auto_ready="on", shift_end_grace_minutes="30", shift_holidays=str(closed.pk)))
    assert response.status_code == 302
    assert policies_of(personas.organization) == {**DEFAULTS, "shift_routing": False, "shift_auto_ready": True,
                                                  "shift_end_grace_minutes": 30, "shift_holidays": closed}
    entries = AuditEntry.objects.filter(organization=personas.organization, action="organization.shift_policy")
    assert sorted((e.data["setting"], e.data["value"]) for e in entries) == [
        ("shift_auto_ready", True), ("shift_end_grace_minutes", 30),
        ("shift_holidays", {"id": closed.pk, "name": "Festivos"}), ("shift_routing", False)]
    assert all(e.actor == personas.admin for e in entries)
    # The scheduled agent is recomputed on the next tick (holidays change their shifts).
    assert AgentState.objects.get(agent=personas.agent).shift_next_change == NOW


def test_saving_the_same_policies_changes_and_audits_nothing(personas):
    response = client_for(personas.admin).post(POLICIES, policy_post(), follow=True)
    assert "Nothing changed." in html(response)
    assert not AuditEntry.objects.filter(action="organization.shift_policy").exists()


@pytest.mark.parametrize(("values", "spanish"), [
    ({"shift_end_grace_minutes": "-5"}, "Asegúrate de que este valor es mayor o igual a 0."),
    ({"shift_end_grace_minutes": "999"}, "Asegúrate de que este valor es menor o igual a 240."),
    ({"shift_end_grace_minutes": "quince"}, "Escribe un número entero."),
    ({"shift_end_grace_minutes": None}, "Este campo es obligatorio."),
    ({"shift_holidays": "<script>1</script>"}, "Elige una opción válida."),
])
def test_bad_policy_input_is_a_translated_error_and_changes_nothing(personas, values, spanish):
    client = client_for(personas.admin)
    client.cookies["django_language"] = "es"
    response = client.post(POLICIES, policy_post(shift_auto_ready="on", **values))
    assert response.status_code == 422 and spanish in html(response)
    assert "<script>1</script>" not in html(response)
    assert policies_of(personas.organization) == DEFAULTS
    assert not AuditEntry.objects.filter(action="organization.shift_policy").exists()


def test_another_organizations_holidays_are_refused(personas):
    theirs = f.BusinessHoursFactory(organization=personas.outsider.organization)
    response = client_for(personas.admin).post(POLICIES, policy_post(shift_holidays=str(theirs.pk)))
    assert response.status_code == 422 and "Select a valid choice" in html(response)
    assert policies_of(personas.organization) == DEFAULTS


def test_only_admins_change_the_shift_policies(personas):
    set_toggles(personas.organization, supervisors_access_config=True)
    supervisor = client_for(personas.supervisor)
    assert supervisor.post(POLICIES, policy_post(shift_routing=None)).status_code == 403
    assert policies_of(personas.organization) == DEFAULTS
    page = html(supervisor.get(LIST))
    assert 'data-testid="shift-policy-form"' not in page and "Only administrators change these policies." in page
    assert 'data-testid="shift-policy-form"' in html(client_for(personas.admin).get(LIST))
    with pytest.raises(NotAllowed):
        schedules.organization_set_shift_policies(by=personas.supervisor, values={"shift_routing": False})


def test_the_page_documents_each_policy(personas):
    page = html(client_for(personas.admin).get(LIST))
    for help_text in ("agents with a schedule get no routed work outside their shifts",
                      "stays logged in, with Receive new off", "Only agents with the workspace open",
                      "15 by default, 0 to 240", "a working agent goes to its pause reason",
                      "days without shifts for everyone"):
        assert help_text in page
