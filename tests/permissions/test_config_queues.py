"""Configuration portal: queues (all their settings) and queue members."""

import pytest

from contactcenter.models import AuditEntry, Conversation, Queue, QueueMembership
from contactcenter.services import queues as queue_services
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f
from tests.permissions.config_support import HTMX, audited, delete_url, edit_url, html, list_url
from tests.permissions.conftest import client_for, set_toggles

pytestmark = pytest.mark.django_db

LIST = list_url("queues")


def queue_data(**overrides) -> dict:
    data = {
        "name": "Renovaciones", "kind": "voice", "strategy": "sequential", "capacity": "2", "priority": "3",
        "after_service_seconds": "45", "after_service_enforced": "on", "offer_timeout_seconds": "15",
        "service_level_seconds": "30", "auto_reply_outside_hours": "Cerrado", "auto_reply_no_agents": "Nadie",
        "auto_reply_queued": "Posición {position}", "is_active": "on",
    }
    data.update(overrides)
    return data


def test_an_admin_sees_the_queues_of_the_organization_only(personas):
    response = client_for(personas.admin).get(LIST)
    assert response.status_code == 200
    body = html(response)
    assert "Ventas" in body and "Soporte" in body
    assert body.count('data-testid="config-row"') == 2  # not the outsider's "Ventas"


def test_an_admin_creates_a_queue_with_every_setting(personas):
    skill = f.SkillFactory(organization=personas.organization, name="Inglés")
    disposition = f.DispositionFactory(organization=personas.organization, name="Venta")
    hours = f.BusinessHoursFactory(organization=personas.organization)
    data = queue_data(required_skills=[skill.pk], dispositions=[disposition.pk], business_hours=hours.pk)
    response = client_for(personas.admin).post(LIST, data)
    assert response.status_code == 302
    queue = Queue.objects.get(organization=personas.organization, name="Renovaciones")
    assert (queue.kind, queue.strategy, queue.capacity, queue.priority) == ("voice", "sequential", 2, 3)
    assert (queue.after_service_seconds, queue.after_service_enforced) == (45, True)
    assert (queue.offer_timeout_seconds, queue.service_level_seconds) == (15, 30)
    assert list(queue.required_skills.all()) == [skill]
    assert list(queue.dispositions.all()) == [disposition]
    assert queue.business_hours == hours
    assert queue.auto_reply_queued == "Posición {position}"
    assert audited(personas.admin, "queue.create")


def test_an_admin_edits_the_after_service_limit(personas):
    response = client_for(personas.admin).post(
        edit_url("queues", personas.queue), queue_data(name="Ventas", kind="chat", after_service_seconds="90",
                                                       after_service_enforced=""))
    assert response.status_code == 302
    personas.queue.refresh_from_db()
    assert personas.queue.after_service_seconds == 90
    assert personas.queue.after_service_enforced is False
    assert audited(personas.admin, "queue.update")


def test_a_bad_value_is_refused_and_keeps_what_was_typed(personas):
    response = client_for(personas.admin).post(
        edit_url("queues", personas.queue), queue_data(name="Ventas nueva", capacity="0", auto_reply_queued="Espere"))
    assert response.status_code == 422
    body = html(response)
    assert 'data-testid="field-error"' in body
    assert 'name="name" value="Ventas nueva"' in body and "Espere</textarea>" in body
    personas.queue.refresh_from_db()
    assert personas.queue.name == "Ventas"


def test_htmx_gets_the_section_with_the_errors_and_a_swappable_status(personas):
    response = client_for(personas.admin).post(edit_url("queues", personas.queue),
                                               queue_data(name="", capacity="x"), headers=HTMX)
    assert response.status_code == 200
    body = html(response)
    assert body.lstrip().startswith('<div id="config-section"')
    assert "Please correct the errors below." in body


def test_a_duplicate_name_is_refused_with_the_reason(personas):
    response = client_for(personas.admin).post(LIST, queue_data(name="soporte"))
    assert response.status_code == 422
    assert "There is already a queue named “soporte”." in html(response)
    assert Queue.objects.filter(organization=personas.organization).count() == 2


def test_a_skill_of_another_organization_cannot_be_required(personas):
    foreign = f.SkillFactory(organization=personas.outsider.organization)
    response = client_for(personas.admin).post(LIST, queue_data(required_skills=[foreign.pk]))
    assert response.status_code == 422
    assert not Queue.objects.filter(name="Renovaciones").exists()


def test_a_queue_with_open_conversations_is_not_deleted(personas):
    f.ConversationFactory(queue=personas.queue)
    response = client_for(personas.admin).post(delete_url("queues", personas.queue), follow=True)
    assert response.redirect_chain[-1][1] == 302
    assert Queue.objects.filter(pk=personas.queue.pk, is_active=True).exists()
    assert "Ventas has 1 open conversations. Close or transfer them first." in html(response)


def test_a_queue_with_history_is_deactivated_instead_of_deleted(personas):
    conversation = f.ConversationFactory(queue=personas.queue)
    Conversation.objects.filter(pk=conversation.pk).update(status="abandoned")
    client_for(personas.admin).post(delete_url("queues", personas.queue))
    personas.queue.refresh_from_db()
    assert personas.queue.is_active is False
    assert audited(personas.admin, "queue.deactivate")


def test_an_unused_queue_is_deleted(personas):
    response = client_for(personas.admin).post(delete_url("queues", personas.other_queue))
    assert response.status_code == 302
    assert not Queue.objects.filter(pk=personas.other_queue.pk).exists()
    assert audited(personas.admin, "queue.delete")


@pytest.mark.parametrize("method,url_name", [("get", "edit"), ("post", "edit"), ("post", "delete")])
def test_another_organizations_queue_is_a_404(personas, method, url_name):
    url = (edit_url if url_name == "edit" else delete_url)("queues", personas.outsider_queue)
    response = getattr(client_for(personas.admin), method)(url, queue_data())
    assert response.status_code == 404


def test_agents_cannot_open_the_portal(personas):
    assert client_for(personas.agent).get(LIST).status_code == 403
    assert client_for(personas.agent).get("/config/").status_code == 403


def test_supervisors_need_the_portal_toggle(personas):
    assert client_for(personas.supervisor).get(LIST).status_code == 403
    set_toggles(personas.organization, supervisors_access_config=True)
    assert client_for(personas.supervisor).get(LIST).status_code == 200


def test_a_supervisor_sees_only_their_queues_and_edits_them_only_with_the_toggle(personas):
    set_toggles(personas.organization, supervisors_access_config=True)
    sofia = client_for(personas.supervisor)
    body = html(sofia.get(LIST))
    assert "Ventas" in body and "Soporte" not in body
    assert sofia.get(edit_url("queues", personas.other_queue)).status_code == 404
    page = html(sofia.get(edit_url("queues", personas.queue)))
    assert "<fieldset disabled>" in page and 'data-testid="config-save"' not in page
    assert sofia.post(edit_url("queues", personas.queue), queue_data(name="Ventas")).status_code == 403
    set_toggles(personas.organization, supervisors_manage_queue_settings=True)
    assert sofia.post(edit_url("queues", personas.queue), queue_data(name="Ventas")).status_code == 302
    personas.queue.refresh_from_db()
    assert personas.queue.strategy == "sequential"


def test_a_supervisor_may_not_create_or_delete_queues(personas):
    set_toggles(personas.organization, supervisors_access_config=True, supervisors_manage_queue_settings=True)
    sofia = client_for(personas.supervisor)
    assert 'data-testid="config-form"' not in html(sofia.get(LIST))
    assert sofia.post(LIST, queue_data()).status_code == 403
    assert sofia.post(delete_url("queues", personas.queue)).status_code == 403


# --- Members ------------------------------------------------------------------------------------


def member_add_url(queue):
    return f"/config/queues/{queue.pk}/members/"


def test_an_admin_adds_an_agent_and_a_supervisor(personas):
    admin = client_for(personas.admin)
    response = admin.post(member_add_url(personas.other_queue), {"user": personas.agent.pk, "role": "agent"})
    assert response.status_code == 302
    admin.post(member_add_url(personas.other_queue), {"user": personas.supervisor.pk, "role": "supervisor"})
    roles = set(QueueMembership.objects.filter(queue=personas.other_queue).values_list("user__username", "role"))
    assert roles == {("ana", "agent"), ("sofia", "supervisor")}
    assert audited(personas.admin, "queue.member_add")


def test_a_supervisor_membership_gives_the_supervisor_the_queue(personas):
    set_toggles(personas.organization, supervisors_access_config=True)
    client_for(personas.admin).post(member_add_url(personas.other_queue),
                                    {"user": personas.supervisor.pk, "role": "supervisor"})
    assert client_for(personas.supervisor).get(edit_url("queues", personas.other_queue)).status_code == 200


def test_an_agent_cannot_be_made_a_supervisor_of_a_queue(personas):
    response = client_for(personas.admin).post(member_add_url(personas.other_queue),
                                               {"user": personas.agent.pk, "role": "supervisor"}, follow=True)
    assert "only supervisors, managers and administrators can supervise a queue" in html(response)
    assert not QueueMembership.objects.filter(queue=personas.other_queue).exists()


def test_a_member_is_removed(personas):
    membership = QueueMembership.objects.get(queue=personas.queue, user=personas.agent)
    client_for(personas.admin).post(f"/config/queues/{personas.queue.pk}/members/{membership.pk}/remove/")
    assert not QueueMembership.objects.filter(pk=membership.pk).exists()
    assert audited(personas.admin, "queue.member_remove")


def test_members_are_reordered_for_sequential_routing(personas):
    first, second = QueueMembership.objects.filter(queue=personas.queue, role="agent").order_by("position")
    response = client_for(personas.admin).post(
        f"/config/queues/{personas.queue.pk}/members/{second.pk}/move/", {"direction": "up"}, headers=HTMX)
    assert response.status_code == 200
    order = list(QueueMembership.objects.filter(queue=personas.queue, role="agent").order_by("position")
                 .values_list("user_id", flat=True))
    assert order == [second.user_id, first.user_id]


def test_the_system_adds_a_member_quietly_a_person_is_checked_and_audited(personas):
    """One queue_member_add for the portal and for demo data: without `by` an existing membership
    is kept as it is; with `by` it is refused with the reason, and a new one is audited."""
    existing = QueueMembership.objects.get(queue=personas.queue, user=personas.agent, role="agent")
    assert queue_services.queue_member_add(queue=personas.queue, user=personas.agent) == existing
    with pytest.raises(DomainError, match="ya es miembro de Ventas"):
        queue_services.queue_member_add(queue=personas.queue, user=personas.agent, by=personas.admin)
    with pytest.raises(NotAllowed):
        queue_services.queue_member_add(queue=personas.other_queue, user=personas.agent, by=personas.agent)
    assert not AuditEntry.objects.filter(action="queue.member_add").exists()
    queue_services.queue_member_add(queue=personas.other_queue, user=personas.agent, by=personas.admin)
    assert audited(personas.admin, "queue.member_add")


def test_a_user_of_another_organization_cannot_be_added(personas):
    response = client_for(personas.admin).post(member_add_url(personas.queue),
                                               {"user": personas.outsider.pk, "role": "agent"})
    assert response.status_code == 302
    assert not QueueMembership.objects.filter(user=personas.outsider).exists()


def test_members_of_another_organizations_queue_are_a_404(personas):
    outsider_member = f.QueueMembershipFactory(queue=personas.outsider_queue)
    admin = client_for(personas.admin)
    assert admin.post(member_add_url(personas.outsider_queue), {"user": personas.agent.pk}).status_code == 404
    url = f"/config/queues/{personas.queue.pk}/members/{outsider_member.pk}/remove/"
    assert admin.post(url).status_code == 404
    assert QueueMembership.objects.filter(pk=outsider_member.pk).exists()


def test_a_duplicate_queue_name_is_reported_with_the_other_errors(personas):
    response = client_for(personas.admin).post(LIST, queue_data(name="ventas", capacity="-5"))
    assert response.status_code == 422
    assert "There is already a queue named “ventas”." in html(response)
    assert html(response).count('data-testid="field-error"') == 2
    assert not Queue.objects.filter(name="ventas").exists()


def test_a_change_of_the_queues_skills_routes_waiting_work_at_once(personas, django_capture_on_commit_callbacks):
    from contactcenter.services import agents, conversations, queues

    skill = f.SkillFactory(organization=personas.organization, name="Inglés")
    personas.queue.required_skills.add(skill)
    with django_capture_on_commit_callbacks(execute=True):
        agents.agent_sign_in(agent=personas.agent)
        queues.queue_login(queue=personas.queue, agent=personas.agent)
        agents.agent_set_receive_new(agent=personas.agent, on=True)
        chat = conversations.conversation_open(queue=personas.queue, text="Hello",
                                               contact=f.ContactFactory(organization=personas.organization))
    chat.refresh_from_db()
    assert chat.status == Conversation.Status.QUEUED  # Ana lacks the skill
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.admin).post(edit_url("queues", personas.queue),
                                                   queue_data(name="Ventas", kind="chat", capacity="6"))
    assert response.status_code == 302
    chat.refresh_from_db()
    assert (chat.status, chat.assignee) == (Conversation.Status.ASSIGNED, personas.agent)


def test_the_reoffer_delay_is_set_in_the_queue_form(personas):
    response = client_for(personas.admin).post(
        edit_url("queues", personas.other_queue), queue_data(name="Soporte", reoffer_after_seconds="90"))
    assert response.status_code == 302
    personas.other_queue.refresh_from_db()
    assert personas.other_queue.reoffer_after_seconds == 90
