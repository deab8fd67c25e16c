"""Configuration portal: schedules (weekly shifts and breaks), assigning one to many agents,
exceptions, an agent's week and copying it; bad input changes nothing; another organization's
ids are a 404; a supervisor limited to their queues schedules only their agents."""

import datetime
from datetime import time

import pytest
import time_machine
from django.urls import reverse

from contactcenter.models import AgentSchedule, AgentState, Schedule, ScheduleBreak, ScheduleException, ScheduleShift
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


def test_bad_shift_input_is_a_translated_error_and_creates_nothing(personas):
    admin = client_for(personas.admin)
    response = admin.post(LIST, {"name": "Rota", **shift_rows({"weekday": "9", "starts": "25:00", "ends": "x"})})
    assert response.status_code == 422
    assert "Select a valid choice" in html(response) and "Enter a valid time" in html(response)
    assert not Schedule.objects.filter(name="Rota").exists()
    spanish = client_for(personas.admin)
    spanish.cookies["django_language"] = "es"
    assert "Introduzca una hora válida" in html(spanish.post(LIST, {"name": "Rota", **shift_rows(
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
