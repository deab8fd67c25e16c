"""A status change is drawn on the overview from the agent.status event alone (no query)."""

from datetime import timedelta

from django.utils import timezone, translation

from contactcenter.models import SystemStatus
from contactcenter.selectors.supervision import StatusCells, status_label


def status_event(**data) -> dict:
    return {"type": "agent.status", "status": "ready", "previous_status": "online", "is_pause": False,
            "status_name": "Ready", "max_minutes": None, "receive_new": True,
            "since": timezone.now().isoformat(), **data}


def test_the_cells_of_a_system_status_show_its_label_in_the_active_language():
    with translation.override("es"):
        cells = StatusCells.from_event(status_event(), 7)
        assert cells.status_label == str(SystemStatus.READY.label)
    assert cells.pk == "7" and cells.status_css == "ready" and cells.pause_over is False


def test_the_cells_of_a_pause_show_its_reason_and_whether_it_is_over_its_maximum():
    since = timezone.now() - timedelta(minutes=20)
    cells = StatusCells.from_event(status_event(status="pause-3", is_pause=True, status_name="Café", max_minutes=15,
                                                since=since.isoformat()), 7)
    assert (cells.status_css, cells.status_label, cells.pause_over) == ("pause", "Café", True)
    assert cells.since_iso == since.isoformat()
    assert StatusCells.from_event(status_event(status="pause-3", is_pause=True, status_name="Café",
                                               max_minutes=30, since=since.isoformat()), 7).pause_over is False


def test_the_receive_new_cell_follows_the_event():
    assert StatusCells.from_event(status_event(receive_new=False), 7).receive_new_label == "no"
    assert StatusCells.from_event(status_event(receive_new=True), 7).receive_new_label == "yes"


def test_building_the_cells_and_label_needs_no_database(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        StatusCells.from_event(status_event(), 7)
        status_label(status_event(status="dnd"))


def test_the_cells_say_what_an_agent_held_by_work_chose_for_afterwards():
    cells = StatusCells.from_event(status_event(status="in_service", receive_new=False, prefers_dnd=True), 7)
    assert cells.then_label == str(SystemStatus.DND.label)
    cells = StatusCells.from_event(status_event(status="after_service", receive_new=False, prefers_dnd=False), 7)
    assert cells.then_label == str(SystemStatus.ONLINE.label)


def test_an_agent_in_service_who_takes_more_work_or_is_not_held_by_work_has_no_second_label():
    assert StatusCells.from_event(status_event(status="in_service", receive_new=True), 7).then_label == ""
    assert StatusCells.from_event(status_event(status="dnd", receive_new=False, prefers_dnd=True), 7).then_label == ""
    assert StatusCells.from_event(status_event(status="pause-3", is_pause=True, receive_new=False,
                                               prefers_dnd=True), 7).then_label == ""
