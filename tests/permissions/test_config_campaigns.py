"""Configuration portal: campaign contact lists, imported from CSV (all rows or none, with a
report of every rejected row)."""

import pytest

from contactcenter.models import CampaignContact, Contact
from contactcenter.services import campaign_imports
from tests import factories as f
from tests.contactcenter import fixtures_files as files
from tests.permissions.config_support import HTMX, audited, html
from tests.permissions.conftest import client_for, set_toggles

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(personas):
    return f.CampaignFactory(organization=personas.organization, name="Renovaciones")


def url(queue):
    return f"/config/campaigns/{queue.pk}/"


def csv_file(text: str, name: str = "lista.csv", encoding: str = "utf-8"):
    return files.upload(name, text.encode(encoding), "text/csv")


def test_the_list_shows_the_organizations_campaigns(personas, campaign):
    f.CampaignFactory(organization=personas.outsider.organization, name="Ajena")
    body = html(client_for(personas.admin).get("/config/campaigns/"))
    assert "Renovaciones" in body and "Ajena" not in body


def test_an_admin_imports_a_csv(personas, campaign):
    data = "nombre;teléfono;correo\nEva;+34 600 11 22 33;eva@example.com\nLuis;600445566;\n"
    response = client_for(personas.admin).post(url(campaign), {"file": csv_file(data)}, follow=True)
    assert "2 contacts were imported; 0 were already in the campaign." in html(response)
    phones = set(CampaignContact.objects.filter(queue=campaign).values_list("contact__phone", flat=True))
    assert phones == {"+34600112233", "600445566"}
    assert audited(personas.admin, "campaign.import")


def test_a_file_with_bad_rows_imports_nothing_and_reports_each_row(personas, campaign):
    data = "name,phone,email\nEva,+34600112233,\nMal,,\nPeor,abc,x@\n"
    response = client_for(personas.admin).post(url(campaign), {"file": csv_file(data)}, headers=HTMX)
    assert response.status_code == 200
    body = html(response)
    assert "Nothing was imported. Fix these rows and import the file again:" in body
    assert body.count('data-testid="import-rejected"') == 2
    assert "Row 3: the phone number is missing" in body
    assert "Row 4: “abc” is not a phone number that can be dialed." in body
    assert not CampaignContact.objects.exists() and not Contact.objects.filter(name="Eva").exists()


def test_the_import_report_names_the_line_of_the_file_even_after_blank_lines(personas, campaign):
    data = "name,phone\n\nEva,+34600112233\n\nMal,\n"
    response = client_for(personas.admin).post(url(campaign), {"file": csv_file(data)}, headers=HTMX)
    assert "Row 5: the phone number is missing" in html(response)


@pytest.mark.parametrize("name,data,message", [
    ("lista.csv", b"", "file is empty."),
    ("lista.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary", "This is not a CSV file"),
    ("lista.csv", "nombre;teléfono\nÑandú;600112233\n".encode("latin-1"), "The file is not UTF-8 text"),
    ("lista.csv", b"<html><script>alert(1)</script></html>", "This is not a CSV file"),
    ("lista.csv", b"nombre,ciudad\nEva,Madrid\n", "at least a phone column"),
])
def test_a_file_that_is_not_a_usable_csv_is_refused(personas, campaign, name, data, message):
    response = client_for(personas.admin).post(url(campaign), {"file": files.upload(name, data, "text/csv")})
    assert response.status_code == 422
    assert message in html(response)
    assert not CampaignContact.objects.exists()


def test_an_oversized_file_is_refused(personas, campaign, monkeypatch):
    monkeypatch.setattr(campaign_imports, "MAX_CSV_BYTES", 100)
    data = "phone\n" + "600112233\n" * 20
    response = client_for(personas.admin).post(url(campaign), {"file": csv_file(data)})
    assert response.status_code == 422
    assert "The file is larger than" in html(response)
    assert not CampaignContact.objects.exists()


def test_a_queue_that_is_not_a_campaign_is_a_404(personas):
    assert client_for(personas.admin).get(url(personas.queue)).status_code == 404


def test_another_organizations_campaign_is_a_404(personas):
    foreign = f.CampaignFactory(organization=personas.outsider.organization)
    response = client_for(personas.admin).post(url(foreign), {"file": csv_file("phone\n600112233\n")})
    assert response.status_code == 404
    assert not CampaignContact.objects.exists()


def test_supervisors_import_only_with_the_queue_settings_toggle(personas, campaign):
    f.QueueMembershipFactory(queue=campaign, user=personas.supervisor, role="supervisor")
    set_toggles(personas.organization, supervisors_access_config=True)
    sofia = client_for(personas.supervisor)
    page = html(sofia.get(url(campaign)))
    assert 'data-testid="import"' not in page
    assert sofia.post(url(campaign), {"file": csv_file("phone\n600112233\n")}).status_code == 403
    set_toggles(personas.organization, supervisors_manage_queue_settings=True)
    assert sofia.post(url(campaign), {"file": csv_file("phone\n600112233\n")}).status_code == 302
    assert CampaignContact.objects.filter(queue=campaign).count() == 1


def test_agents_get_a_403(personas, campaign):
    assert client_for(personas.agent).get(url(campaign)).status_code == 403
