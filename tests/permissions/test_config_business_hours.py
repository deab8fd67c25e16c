"""Configuration portal: business hours (weekly opening times and holidays) that queues follow."""

import datetime

import pytest

from contactcenter.models import BusinessHours, BusinessHoursInterval, Holiday
from tests import factories as f
from tests.permissions.config_support import audited, delete_url, edit_url, html, list_url
from tests.permissions.conftest import client_for, set_toggles

pytestmark = pytest.mark.django_db

LIST = list_url("business-hours")


@pytest.fixture
def office(personas):
    return f.BusinessHoursFactory(organization=personas.organization, name="Oficina")


def test_an_admin_creates_renames_and_deletes_business_hours(personas):
    admin = client_for(personas.admin)
    assert admin.post(LIST, {"name": "Tienda"}).status_code == 302
    hours = BusinessHours.objects.get(organization=personas.organization, name="Tienda")
    admin.post(edit_url("business-hours", hours), {"name": "Tienda centro"})
    hours.refresh_from_db()
    assert hours.name == "Tienda centro"
    admin.post(delete_url("business-hours", hours))
    assert not BusinessHours.objects.filter(pk=hours.pk).exists()
    assert audited(personas.admin, "business_hours.delete")


def test_an_admin_adds_and_removes_opening_times_and_holidays(personas, office):
    admin = client_for(personas.admin)
    admin.post(f"/config/business-hours/{office.pk}/intervals/", {"weekday": "1", "opens": "09:00", "closes": "14:00"})
    interval = BusinessHoursInterval.objects.get(hours=office)
    assert (interval.weekday, interval.opens, interval.closes) == (1, datetime.time(9), datetime.time(14))
    admin.post(f"/config/business-hours/{office.pk}/holidays/", {"date": "2026-12-25", "name": "Navidad"})
    holiday = Holiday.objects.get(hours=office)
    assert holiday.date == datetime.date(2026, 12, 25)
    admin.post(f"/config/business-hours/{office.pk}/interval/{interval.pk}/remove/")
    admin.post(f"/config/business-hours/{office.pk}/holiday/{holiday.pk}/remove/")
    assert not office.intervals.exists() and not office.holidays.exists()


@pytest.mark.parametrize("opens,closes", [("14:00", "09:00"), ("25:00", "26:00"), ("", "10:00")])
def test_bad_opening_times_are_refused(personas, office, opens, closes):
    response = client_for(personas.admin).post(f"/config/business-hours/{office.pk}/intervals/",
                                               {"weekday": "0", "opens": opens, "closes": closes}, follow=True)
    assert 'role="alert"' in html(response)
    assert not office.intervals.exists()


def test_a_holiday_twice_is_refused(personas, office):
    f.HolidayFactory(hours=office, date=datetime.date(2026, 1, 1))
    response = client_for(personas.admin).post(f"/config/business-hours/{office.pk}/holidays/",
                                               {"date": "2026-01-01"}, follow=True)
    assert "is already a holiday" in html(response)
    assert office.holidays.count() == 1


def test_business_hours_a_queue_follows_are_not_deleted(personas, office):
    personas.queue.business_hours = office
    personas.queue.save()
    response = client_for(personas.admin).post(delete_url("business-hours", office), follow=True)
    assert "The queues Ventas follow these business hours." in html(response)
    assert BusinessHours.objects.filter(pk=office.pk).exists()


def test_another_organizations_business_hours_are_a_404(personas):
    foreign = f.BusinessHoursFactory(organization=personas.outsider.organization)
    interval = f.BusinessHoursIntervalFactory(hours=foreign)
    admin = client_for(personas.admin)
    assert admin.get(edit_url("business-hours", foreign)).status_code == 404
    assert admin.post(f"/config/business-hours/{foreign.pk}/intervals/",
                      {"weekday": "0", "opens": "09:00", "closes": "10:00"}).status_code == 404
    assert admin.post(f"/config/business-hours/{foreign.pk}/interval/{interval.pk}/remove/").status_code == 404
    assert BusinessHoursInterval.objects.filter(pk=interval.pk).exists()


def test_supervisors_follow_the_queue_settings_toggle(personas, office):
    set_toggles(personas.organization, supervisors_access_config=True)
    sofia = client_for(personas.supervisor)
    assert sofia.get(LIST).status_code == 200
    assert sofia.post(LIST, {"name": "Noche"}).status_code == 403
    set_toggles(personas.organization, supervisors_manage_queue_settings=True)
    assert sofia.post(LIST, {"name": "Noche"}).status_code == 302
    assert client_for(personas.agent).get(LIST).status_code == 403
