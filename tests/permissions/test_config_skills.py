"""Configuration portal: skills and agents' skill levels, with their two toggles."""

import pytest

from contactcenter.models import AgentSkill, Skill
from tests import factories as f
from tests.permissions.config_support import audited, delete_url, edit_url, html, list_url
from tests.permissions.conftest import client_for, set_toggles

pytestmark = pytest.mark.django_db

LIST = list_url("skills")


@pytest.fixture
def english(personas):
    return f.SkillFactory(organization=personas.organization, name="Inglés")


def levels_url(skill):
    return f"/config/skills/{skill.pk}/agents/"


def test_an_admin_creates_renames_and_deletes_a_skill(personas):
    admin = client_for(personas.admin)
    assert admin.post(LIST, {"name": "Francés"}).status_code == 302
    skill = Skill.objects.get(organization=personas.organization, name="Francés")
    assert admin.post(edit_url("skills", skill), {"name": "Francés B2"}).status_code == 302
    skill.refresh_from_db()
    assert skill.name == "Francés B2"
    assert admin.post(delete_url("skills", skill)).status_code == 302
    assert not Skill.objects.filter(pk=skill.pk).exists()
    assert audited(personas.admin, "skill.create") and audited(personas.admin, "skill.delete")


def test_an_empty_or_duplicate_name_is_refused(personas, english):
    admin = client_for(personas.admin)
    assert admin.post(LIST, {"name": ""}).status_code == 422
    response = admin.post(LIST, {"name": "inglés"})
    assert response.status_code == 422
    assert "There is already a skill named “inglés”." in html(response)


def test_a_skill_a_queue_requires_is_not_deleted(personas, english):
    personas.queue.required_skills.add(english)
    response = client_for(personas.admin).post(delete_url("skills", english), follow=True)
    assert "Inglés is required by the queues Ventas. Remove it from them first." in html(response)
    assert Skill.objects.filter(pk=english.pk).exists()


def test_an_admin_sets_changes_and_removes_an_agents_level(personas, english):
    admin = client_for(personas.admin)
    admin.post(levels_url(english), {"agent": personas.agent.pk, "level": "7"})
    assert AgentSkill.objects.get(agent=personas.agent, skill=english).level == 7
    admin.post(levels_url(english), {"agent": personas.agent.pk, "level": "3"})
    agent_skill = AgentSkill.objects.get(agent=personas.agent, skill=english)
    assert agent_skill.level == 3
    admin.post(f"/config/skills/{english.pk}/agents/{agent_skill.pk}/remove/")
    assert not AgentSkill.objects.filter(pk=agent_skill.pk).exists()
    assert audited(personas.admin, "skill.assign") and audited(personas.admin, "skill.unassign")


@pytest.mark.parametrize("level", ["0", "11", "x"])
def test_a_level_outside_1_to_10_is_refused(personas, english, level):
    response = client_for(personas.admin).post(levels_url(english), {"agent": personas.agent.pk, "level": level},
                                               follow=True)
    assert 'role="alert"' in html(response)
    assert not AgentSkill.objects.filter(skill=english).exists()


def test_another_organizations_skill_or_agent_is_refused(personas, english):
    foreign = f.SkillFactory(organization=personas.outsider.organization)
    admin = client_for(personas.admin)
    assert admin.get(edit_url("skills", foreign)).status_code == 404
    assert admin.post(delete_url("skills", foreign)).status_code == 404
    assert admin.post(levels_url(foreign), {"agent": personas.agent.pk, "level": "5"}).status_code == 404
    admin.post(levels_url(english), {"agent": personas.outsider.pk, "level": "5"})
    assert not AgentSkill.objects.filter(agent=personas.outsider).exists()


def test_agents_get_a_403(personas):
    assert client_for(personas.agent).get(LIST).status_code == 403


def test_supervisors_view_and_manage_per_toggle(personas, english):
    set_toggles(personas.organization, supervisors_access_config=True, supervisors_view_skills=False)
    sofia = client_for(personas.supervisor)
    assert sofia.get(LIST).status_code == 403
    set_toggles(personas.organization, supervisors_view_skills=True)
    page = html(sofia.get(edit_url("skills", english)))
    assert 'data-testid="agent-skill-set"' not in page
    assert sofia.post(levels_url(english), {"agent": personas.agent.pk, "level": "5"}).status_code == 403
    set_toggles(personas.organization, supervisors_manage_skills=True)
    assert sofia.post(levels_url(english), {"agent": personas.agent.pk, "level": "5"}).status_code == 302
    assert AgentSkill.objects.filter(agent=personas.agent, skill=english, level=5).exists()
