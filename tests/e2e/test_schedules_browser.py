"""Schedules in a real Chromium: an administrator creates a schedule with a shift and a break on
/config/schedules/ and assigns it to an agent; the agent, outside that shift, reads "Fuera de
turno" and when their next shift starts in the workspace. (The pages speak Spanish: fields are
found by id and test id.)

The shift is put two days after today, on that weekday only: whatever the day and the hour the
test runs, now is outside every shift of the schedule, and the next one starts in two days."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contactcenter import tasks
from contactcenter.models import AgentSchedule, AgentState, ScheduleBreak
from tests import factories as f
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def team(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme", time_zone="Europe/Madrid")
    queue = f.QueueFactory(organization=org, name="Ventas")
    admin = f.AdminFactory(organization=org, username="adela", first_name="Adela", last_name="Gómez")
    ana = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    f.QueueMembershipFactory(queue=queue, user=ana)
    lunch = f.PauseReasonFactory(organization=org, name="Comida", code="comida")
    return {"org": org, "admin": admin, "ana": ana, "lunch": lunch}


def test_an_agent_outside_the_shift_an_admin_assigned_sees_when_the_next_one_starts(new_page, team):
    today = timezone.now().astimezone(team["org"].zone).date()
    shift_day = today + datetime.timedelta(days=2)
    admin = new_page()
    log_in(admin, "adela")
    admin.goto("/config/schedules/")
    create = admin.get_by_test_id("schedule-create")
    create.locator("#id_name").fill("Mañana")
    create.locator("#id_shifts-0-weekday").select_option(str(shift_day.weekday()))
    create.locator("#id_shifts-0-starts").fill("10:00")
    create.locator("#id_shifts-0-ends").fill("14:00")
    create.locator("button[type=submit]").click()
    admin.wait_for_url(re.compile(r"/config/schedules/\d+/$"))
    expect(admin.get_by_test_id("flash")).to_contain_text("Mañana")

    add_break = admin.get_by_test_id("break-add").first
    add_break.locator("#id_starts").fill("12:00")
    add_break.locator("#id_minutes").fill("30")
    add_break.locator("#id_pause").select_option(label="Comida")
    add_break.locator("button[type=submit]").click()
    expect(admin.get_by_test_id("break")).to_contain_text("12:00 +30 min")
    assert ScheduleBreak.objects.get(shift__schedule__name="Mañana").pause == team["lunch"]

    admin.goto("/config/schedules/")
    assign = admin.get_by_test_id("schedule-assign")
    assign.locator("#id_schedule").select_option(label="Mañana")
    assign.locator("#id_agents").select_option(label="Ana López")
    assign.locator("#id_valid_from").fill(today.isoformat())
    assign.locator("button[type=submit]").click()
    expect(admin.get_by_test_id("flash")).to_be_visible()
    assert AgentSchedule.objects.filter(agent=team["ana"], schedule__name="Mañana", valid_from=today).exists()
    assert admin.problems == []

    tasks.shifts_due()  # the minute's shift task: Ana is now out of her shift
    assert not AgentState.objects.get(agent=team["ana"]).in_shift

    ana = new_page()
    log_in(ana, "ana")
    ana.goto("/workspace/")
    ana.settle()
    off = ana.get_by_test_id("off-shift")
    expect(off).to_contain_text("Fuera de turno.")
    expect(off).to_contain_text("Tu próximo turno empieza el")
    expect(off).to_contain_text(re.compile(rf"\b{shift_day.day}\b.*10:00"))
    assert ana.problems == []
