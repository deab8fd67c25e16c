"""The toggle matrix: each toggle of the permissions page, on and off, in the view, the service
and the template of its feature (a control the user may not use is not shown)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contactcenter.models import (
    AgentState,
    CannedResponse,
    Conversation,
    Organization,
    PrerecordedMessage,
    QueueLogin,
    Tag,
    User,
)
from contactcenter.services import agents, catalog, contacts, dispositions, pause_reasons, skills, tags, wrapup
from contactcenter.services import conversations as conv_services
from contactcenter.services import queues as queue_services
from contactcenter.services import supervision as supervision_services
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f
from tests.contactcenter import fixtures_files as files
from tests.permissions.conftest import client_for, set_toggles

ON_OFF = pytest.mark.parametrize("on", [True, False], ids=["on", "off"])


def fresh(user: User) -> User:
    return User.objects.select_related("organization").get(pk=user.pk)


def supervisor_in_portal(personas, **toggles) -> User:
    """Sofía with the configuration portal open to supervisors, plus the given toggles."""
    set_toggles(personas.organization, supervisors_access_config=True, **toggles)
    return fresh(personas.supervisor)


# --- Organization: log in to unassigned queues ----------------------------------------------------


@ON_OFF
def test_unassigned_queue_login_service(personas, on):
    set_toggles(personas.organization, allow_unassigned_queue_login=on)
    agent = fresh(personas.agent)
    if on:
        login = queue_services.queue_login(queue=personas.other_queue, agent=agent)
        assert login.is_unassigned
    else:
        with pytest.raises(DomainError):
            queue_services.queue_login(queue=personas.other_queue, agent=agent)
        assert not QueueLogin.objects.filter(agent=agent, queue=personas.other_queue).exists()


@ON_OFF
def test_unassigned_queue_login_view(personas, on):
    set_toggles(personas.organization, allow_unassigned_queue_login=on)
    client_for(personas.agent).post(f"/workspace/queues/{personas.other_queue.pk}/login/")
    logged_in = QueueLogin.objects.filter(agent=personas.agent, queue=personas.other_queue,
                                          ended_at__isnull=True).exists()
    assert logged_in == on


@ON_OFF
def test_the_workspace_offers_unassigned_queues_only_when_allowed(personas, on):
    set_toggles(personas.organization, allow_unassigned_queue_login=on)
    body = client_for(personas.agent).get("/workspace/").text
    assert (f'data-testid="queue-toggle-{personas.other_queue.pk}"' in body) == on
    assert f'data-testid="queue-toggle-{personas.outsider_queue.pk}"' not in body


def test_an_unassigned_login_lasts_after_the_policy_is_turned_off(personas):
    set_toggles(personas.organization, allow_unassigned_queue_login=True)
    queue_services.queue_login(queue=personas.other_queue, agent=fresh(personas.agent))
    set_toggles(personas.organization, allow_unassigned_queue_login=False)
    body = client_for(personas.agent).get("/workspace/").text
    assert f'action="/workspace/queues/{personas.other_queue.pk}/logout/"' in body
    assert QueueLogin.objects.filter(agent=personas.agent, queue=personas.other_queue, ended_at__isnull=True).exists()


# --- Supervisors: the configuration portal ---------------------------------------------------------


@ON_OFF
def test_configuration_portal_view_for_supervisors(personas, on):
    set_toggles(personas.organization, supervisors_access_config=on)
    response = client_for(personas.supervisor).get("/config/")
    assert (response.status_code == 200) == on
    if not on:
        assert response.status_code == 403


@ON_OFF
def test_configuration_portal_link_for_supervisors(personas, on):
    set_toggles(personas.organization, supervisors_access_config=on)
    body = client_for(personas.supervisor).get("/supervision/").text
    assert ('data-testid="nav-config"' in body) == on


@ON_OFF
def test_configuration_portal_service_for_supervisors(personas, on):
    set_toggles(personas.organization, supervisors_access_config=on, supervisors_manage_skills=True)
    supervisor = fresh(personas.supervisor)
    if on:
        assert skills.skill_save(by=supervisor, skill=None, name="Inglés").pk
    else:
        with pytest.raises(NotAllowed):
            skills.skill_save(by=supervisor, skill=None, name="Inglés")


# --- Supervisors: limit access to assigned queues --------------------------------------------------


@ON_OFF
def test_limit_to_assigned_queues_view(personas, on):
    set_toggles(personas.organization, supervisors_limited_to_assigned_queues=on)
    body = client_for(personas.supervisor).get("/supervision/").text
    assert ("Soporte" in body) != on
    assert "Ventas" in body


@ON_OFF
def test_limit_to_assigned_queues_service(personas, on):
    set_toggles(personas.organization, supervisors_limited_to_assigned_queues=on)
    pablo = f.AgentFactory(organization=personas.organization, username="pablo")
    f.QueueMembershipFactory(queue=personas.other_queue, user=pablo)
    supervisor = fresh(personas.supervisor)
    if on:
        with pytest.raises(NotAllowed):
            queue_services.queue_login(queue=personas.other_queue, agent=pablo, by=supervisor)
    else:
        assert queue_services.queue_login(queue=personas.other_queue, agent=pablo, by=supervisor)


# --- Supervisors: queue settings, pause reasons, skills ----------------------------------------------


@ON_OFF
def test_manage_queue_settings_view(personas, on):
    supervisor_in_portal(personas, supervisors_manage_queue_settings=on)
    disposition = f.DispositionFactory(organization=personas.organization)
    response = client_for(personas.supervisor).post(f"/config/dispositions/{disposition.pk}/delete/")
    assert (response.status_code == 403) != on
    assert type(disposition).objects.filter(pk=disposition.pk).exists() != on


@ON_OFF
def test_manage_queue_settings_service(personas, on):
    supervisor = supervisor_in_portal(personas, supervisors_manage_queue_settings=on)
    if on:
        assert dispositions.disposition_save(by=supervisor, disposition=None, name="Vendido", reschedules=False).pk
    else:
        with pytest.raises(NotAllowed):
            dispositions.disposition_save(by=supervisor, disposition=None, name="Vendido", reschedules=False)


def test_viewing_a_queues_settings_is_always_on_in_the_portal(personas):
    supervisor_in_portal(personas, supervisors_manage_queue_settings=False)
    assert client_for(personas.supervisor).get("/config/queues/").status_code == 200


@ON_OFF
def test_view_pause_reasons_view(personas, on):
    supervisor_in_portal(personas, supervisors_view_pause_reasons=on, supervisors_manage_pause_reasons=False)
    f.PauseReasonFactory(organization=personas.organization, name="Formación")
    response = client_for(personas.supervisor).get("/config/pause-reasons/")
    assert response.status_code == (200 if on else 403)
    assert ("Formación" in response.text) == on


@ON_OFF
def test_view_pause_reasons_portal_menu(personas, on):
    supervisor_in_portal(personas, supervisors_view_pause_reasons=on, supervisors_manage_pause_reasons=False)
    body = client_for(personas.supervisor).get("/config/").text
    assert ('href="/config/pause-reasons/"' in body) == on


@ON_OFF
def test_manage_pause_reasons_view(personas, on):
    supervisor_in_portal(personas, supervisors_manage_pause_reasons=on)
    reason = f.PauseReasonFactory(organization=personas.organization)
    response = client_for(personas.supervisor).post(f"/config/pause-reasons/{reason.pk}/delete/")
    assert (response.status_code == 403) != on


@ON_OFF
def test_manage_pause_reasons_service(personas, on):
    supervisor = supervisor_in_portal(personas, supervisors_manage_pause_reasons=on)
    if on:
        assert pause_reasons.pause_reason_save(by=supervisor, reason=None, name="Comida", max_minutes=30).pk
    else:
        with pytest.raises(NotAllowed):
            pause_reasons.pause_reason_save(by=supervisor, reason=None, name="Comida", max_minutes=30)


@ON_OFF
def test_view_skills_view(personas, on):
    supervisor_in_portal(personas, supervisors_view_skills=on, supervisors_manage_skills=False)
    f.SkillFactory(organization=personas.organization, name="Alemán")
    response = client_for(personas.supervisor).get("/config/skills/")
    assert response.status_code == (200 if on else 403)
    assert ("Alemán" in response.text) == on


@ON_OFF
def test_view_skills_portal_menu(personas, on):
    supervisor_in_portal(personas, supervisors_view_skills=on, supervisors_manage_skills=False)
    body = client_for(personas.supervisor).get("/config/").text
    assert ('href="/config/skills/"' in body) == on


@ON_OFF
def test_manage_skills_view(personas, on):
    supervisor_in_portal(personas, supervisors_manage_skills=on)
    skill = f.SkillFactory(organization=personas.organization)
    response = client_for(personas.supervisor).post(f"/config/skills/{skill.pk}/delete/")
    assert (response.status_code == 403) != on


@ON_OFF
def test_manage_skills_service(personas, on):
    supervisor = supervisor_in_portal(personas, supervisors_manage_skills=on)
    if on:
        assert skills.skill_save(by=supervisor, skill=None, name="Francés").pk
    else:
        with pytest.raises(NotAllowed):
            skills.skill_save(by=supervisor, skill=None, name="Francés")


# --- Supervisors: end an agent's after service early -----------------------------------------------


@pytest.fixture
def ana_in_after_service(personas, django_capture_on_commit_callbacks):
    """Ana closed a chat of Ventas (60 s of after service): she is in After service."""
    type(personas.queue).objects.filter(pk=personas.queue.pk).update(after_service_seconds=60)
    agent = personas.agent
    with django_capture_on_commit_callbacks(execute=True):
        agents.agent_sign_in(agent=agent)
        queue_services.queue_login(queue=personas.queue, agent=agent)
        agents.agent_set_receive_new(agent=agent, on=True)
    contact = f.ContactFactory(organization=personas.organization)
    with django_capture_on_commit_callbacks(execute=True):
        chat = conv_services.conversation_open(queue=type(personas.queue).objects.get(pk=personas.queue.pk),
                                               contact=contact, text="Hola")
    chat.refresh_from_db()
    assert chat.assignee_id == agent.pk
    with django_capture_on_commit_callbacks(execute=True):
        conv_services.conversation_close(conversation=chat, by=fresh(agent))
    assert AgentState.objects.get(agent=agent).status.code == "after_service"
    return chat


def status_of(user) -> str:
    return AgentState.objects.select_related("status").get(agent=user).status.code


@ON_OFF
def test_end_after_service_service(personas, ana_in_after_service, on):
    set_toggles(personas.organization, supervisors_end_after_service=on)
    supervisor = fresh(personas.supervisor)
    if on:
        supervision_services.supervisor_end_after_service(by=supervisor, agent=personas.agent)
        assert status_of(personas.agent) != "after_service"
    else:
        with pytest.raises(NotAllowed):
            supervision_services.supervisor_end_after_service(by=supervisor, agent=personas.agent)
        with pytest.raises(NotAllowed):
            wrapup.wrapup_end(agent=personas.agent, by=supervisor, source="supervisor")
        assert status_of(personas.agent) == "after_service"


@ON_OFF
def test_end_after_service_view(personas, ana_in_after_service, on):
    set_toggles(personas.organization, supervisors_end_after_service=on)
    response = client_for(personas.supervisor).post(
        f"/supervision/agents/{personas.agent.pk}/end-after-service/")
    assert (response.status_code == 403) != on
    assert (status_of(personas.agent) == "after_service") != on


@ON_OFF
def test_end_after_service_control(personas, ana_in_after_service, on):
    set_toggles(personas.organization, supervisors_end_after_service=on)
    body = client_for(personas.supervisor).get(f"/supervision/agents/{personas.agent.pk}/").text
    assert ('data-testid="action-end-after-service"' in body) == on


# --- Agents: pre-recorded messages ------------------------------------------------------------------


@ON_OFF
def test_manage_prerecorded_service(personas, on):
    supervisor = supervisor_in_portal(personas, agents_manage_prerecorded=on)
    message = f.PrerecordedMessageFactory(organization=personas.organization, name="Bienvenida")
    if on:
        catalog.prerecorded_save(by=supervisor, message=message, name="Saludo")
        message.refresh_from_db()
        assert message.name == "Saludo"
    else:
        with pytest.raises(NotAllowed):
            catalog.prerecorded_save(by=supervisor, message=message, name="Saludo")


@ON_OFF
def test_manage_prerecorded_view(personas, on):
    supervisor_in_portal(personas, agents_manage_prerecorded=on)
    message = f.PrerecordedMessageFactory(organization=personas.organization, name="Bienvenida")
    response = client_for(personas.supervisor).post(f"/config/prerecorded/{message.pk}/delete/")
    assert (response.status_code == 403) != on
    assert type(message).objects.filter(pk=message.pk).exists() != on


def wav_upload(name="saludo.wav"):
    return SimpleUploadedFile(name, files.wav(), content_type="audio/wav")


@ON_OFF
def test_agents_manage_prerecorded_service(personas, on):
    set_toggles(personas.organization, agents_manage_prerecorded=on)
    agent = fresh(personas.agent)
    existing = f.PrerecordedMessageFactory(organization=personas.organization, name="Bienvenida")
    if on:
        assert catalog.prerecorded_save(by=agent, name="Espera", audio=wav_upload()).audio
        catalog.prerecorded_delete(by=agent, message=existing)
        assert not type(existing).objects.filter(pk=existing.pk).exists()
    else:
        with pytest.raises(NotAllowed):
            catalog.prerecorded_save(by=agent, name="Espera", audio=wav_upload())
        with pytest.raises(NotAllowed):
            catalog.prerecorded_delete(by=agent, message=existing)
        assert type(existing).objects.filter(organization=personas.organization).count() == 1


@ON_OFF
def test_agents_manage_prerecorded_view(personas, on):
    set_toggles(personas.organization, agents_manage_prerecorded=on)
    client = client_for(personas.agent)
    assert client.get("/workspace/prerecorded/").status_code == (200 if on else 403)
    response = client.post("/workspace/prerecorded/", {"name": "Espera", "audio": wav_upload()})
    assert response.status_code == (302 if on else 403)
    assert PrerecordedMessage.objects.filter(name="Espera").exists() == on


def test_agents_prerecorded_upload_is_judged_by_its_content(personas):
    set_toggles(personas.organization, agents_manage_prerecorded=True)
    fake = SimpleUploadedFile("saludo.mp3", b"MZ\x90\x00 not audio at all", content_type="audio/mpeg")
    response = client_for(personas.agent).post("/workspace/prerecorded/", {"name": "Espera", "audio": fake})
    assert response.status_code == 422
    assert 'data-testid="prerecorded-error"' in response.text
    assert 'value="Espera"' in response.text  # what was typed is kept
    assert not PrerecordedMessage.objects.exists()


@ON_OFF
def test_agents_manage_prerecorded_control(personas, on):
    set_toggles(personas.organization, agents_manage_prerecorded=on)
    call = f.ConversationFactory(queue=personas.other_queue, status=Conversation.Status.ASSIGNED,
                                 assignee=personas.agent, call_state="active")
    body = client_for(personas.agent).get(f"/workspace/conversations/{call.pk}/").text
    assert 'data-testid="call-panel"' in body
    assert ('data-testid="prerecorded-manage"' in body) == on


# --- Agents: public canned responses ------------------------------------------------------------------


@pytest.fixture
def public_canned(personas):
    return f.CannedResponseFactory(organization=personas.organization, owner=None, shortcut="horario",
                                   title="Horario", body="De 9 a 18 h.")


@ON_OFF
def test_manage_public_canned_service(personas, public_canned, on):
    set_toggles(personas.organization, agents_manage_public_canned=on)
    agent = fresh(personas.agent)
    if on:
        catalog.canned_update(canned=public_canned, by=agent, shortcut="horario", title="Horario", body="9-19 h")
        assert catalog.canned_create(by=agent, shortcut="adios", title="Adiós", body="Hasta pronto", public=True)
    else:
        with pytest.raises(NotAllowed):
            catalog.canned_update(canned=public_canned, by=agent, shortcut="horario", title="Horario", body="9-19 h")
        with pytest.raises(NotAllowed):
            catalog.canned_create(by=agent, shortcut="adios", title="Adiós", body="Hasta pronto", public=True)
        with pytest.raises(NotAllowed):
            catalog.canned_delete(canned=public_canned, by=agent)


@ON_OFF
def test_manage_public_canned_view(personas, public_canned, on):
    set_toggles(personas.organization, agents_manage_public_canned=on)
    client = client_for(personas.agent)
    response = client.post(f"/workspace/canned/{public_canned.pk}/", {"shortcut": "horario", "title": "Horario",
                                                                       "body": "Cambiado"})
    assert (response.status_code == 403) != on
    public_canned.refresh_from_db()
    assert (public_canned.body == "Cambiado") == on
    response = client.post("/workspace/canned/", {"shortcut": "nuevo", "title": "Nuevo", "body": "Texto",
                                                  "public": "1"})
    assert (response.status_code == 403) != on
    assert CannedResponse.objects.filter(shortcut="nuevo", owner=None).exists() == on


@ON_OFF
def test_manage_public_canned_controls(personas, public_canned, on):
    set_toggles(personas.organization, agents_manage_public_canned=on)
    body = client_for(personas.agent).get("/workspace/canned/").text
    assert ('data-testid="canned-public"' in body) == on
    assert (f'href="?edit={public_canned.pk}"' in body) == on
    assert (f"/workspace/canned/{public_canned.pk}/delete/" in body) == on


@ON_OFF
def test_manage_public_canned_in_the_portal(personas, public_canned, on):
    supervisor_in_portal(personas, agents_manage_public_canned=on)
    response = client_for(personas.supervisor).post(f"/config/canned/{public_canned.pk}/delete/")
    assert (response.status_code == 403) != on


# --- Agents: custom tags -------------------------------------------------------------------------------


@pytest.fixture
def chat(personas):
    conversation = f.ConversationFactory(queue=personas.queue)
    Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.ASSIGNED,
                                                           assignee=personas.agent)
    conversation.refresh_from_db()
    return conversation


@ON_OFF
def test_create_tags_service(personas, chat, on):
    set_toggles(personas.organization, agents_create_tags=on)
    existing = f.TagFactory(organization=personas.organization, name="VIP")
    agent = fresh(personas.agent)
    assert contacts.conversation_tag_add(conversation=chat, by=agent, name="vip") == existing
    if on:
        assert contacts.conversation_tag_add(conversation=chat, by=agent, name="Reclamación").pk
    else:
        with pytest.raises(NotAllowed):
            contacts.conversation_tag_add(conversation=chat, by=agent, name="Reclamación")
        assert not Tag.objects.filter(name="Reclamación").exists()


@ON_OFF
def test_create_tags_view(personas, chat, on):
    set_toggles(personas.organization, agents_create_tags=on)
    client_for(personas.agent).post(f"/workspace/conversations/{chat.pk}/tags/", {"tag": "Reclamación"})
    assert Tag.objects.filter(organization=personas.organization, name="Reclamación").exists() == on


@ON_OFF
def test_create_tags_control(personas, chat, on):
    """Free text where new tags may be created; a choice of the existing ones otherwise."""
    set_toggles(personas.organization, agents_create_tags=on)
    f.TagFactory(organization=personas.organization, name="VIP")
    body = client_for(personas.agent).get(f"/workspace/conversations/{chat.pk}/").text
    assert ('data-testid="tag-input"' in body) == on
    assert ('data-testid="tag-select"' in body) != on
    assert "VIP" in body


@ON_OFF
def test_create_tags_in_the_portal(personas, on):
    supervisor = supervisor_in_portal(personas, agents_create_tags=on)
    if on:
        assert tags.tag_save(by=supervisor, tag=None, name="Urgente", color="#ff0000").pk
    else:
        with pytest.raises(NotAllowed):
            tags.tag_save(by=supervisor, tag=None, name="Urgente", color="#ff0000")


# --- Agents: call dispositions ---------------------------------------------------------------------


@pytest.fixture
def sold(personas):
    disposition = f.DispositionFactory(organization=personas.organization, name="Venta realizada")
    personas.queue.dispositions.add(disposition)
    return disposition


@ON_OFF
def test_dispositions_service(personas, sold, ana_in_after_service, on):
    set_toggles(personas.organization, dispositions_enabled=on)
    chat = Conversation.objects.select_related("queue__organization").get(pk=ana_in_after_service.pk)
    agent = fresh(personas.agent)
    assert wrapup.needs_disposition(chat) == on
    if on:
        conv_services.conversation_set_disposition(conversation=chat, disposition=sold, by=agent)
        assert Conversation.objects.get(pk=chat.pk).disposition == sold
    else:
        with pytest.raises(NotAllowed):
            conv_services.conversation_set_disposition(conversation=chat, disposition=sold, by=agent)
        wrapup.wrapup_end(agent=agent, by=agent, source="agent")  # no disposition asked
        assert status_of(agent) != "after_service"


@ON_OFF
def test_dispositions_view(personas, sold, ana_in_after_service, on):
    set_toggles(personas.organization, dispositions_enabled=on)
    chat = ana_in_after_service
    client_for(personas.agent).post(f"/workspace/conversations/{chat.pk}/wrapup/",
                                    {"wrapup-disposition": sold.pk, "wrapup-wrapup_notes": "ok"})
    assert (Conversation.objects.get(pk=chat.pk).disposition_id == sold.pk) == on


@ON_OFF
def test_dispositions_control(personas, sold, ana_in_after_service, on):
    set_toggles(personas.organization, dispositions_enabled=on)
    body = client_for(personas.agent).get(f"/workspace/conversations/{ana_in_after_service.pk}/").text
    assert 'data-testid="wrapup"' in body
    assert ("Venta realizada" in body) == on


def test_dispositions_do_not_apply_to_queues_without_after_service(personas, sold):
    from contactcenter.services.policies import dispositions_apply

    assert Organization.objects.get(pk=personas.organization.pk).dispositions_enabled
    assert personas.queue.after_service_seconds == 0
    assert not dispositions_apply(personas.queue)
