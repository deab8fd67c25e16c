"""Calls and campaigns from the workspace: dial, the simulator answers, controls, hang up,
campaign preview, call and disposition."""

import pytest

from contactcenter.models import CampaignContact, Conversation
from contactcenter.services import agents, conversations, queues
from contactcenter.services.telephony import get_backend
from tests import factories as f


@pytest.fixture
def voice_agent(personas, django_capture_on_commit_callbacks):
    f.QueueMembershipFactory(queue=personas.other_queue, user=personas.agent)
    with django_capture_on_commit_callbacks(execute=True):
        f.open_workspace(personas.agent)
        agents.agent_sign_in(agent=personas.agent)
        queues.queue_login(queue=personas.other_queue, agent=personas.agent)
        agents.agent_set_receive_new(agent=personas.agent, on=True)
    get_backend().reset()
    return personas.agent


def post(client, url, data=None, capture=None):
    if capture is None:
        return client.post(url, data or {})
    with capture(execute=True):
        return client.post(url, data or {})


def test_agent_dials_a_number_and_the_simulator_answers(client, personas, voice_agent,
                                                       django_capture_on_commit_callbacks):
    client.force_login(voice_agent)
    post(client, "/workspace/calls/", {"number": "+34 600 123 456", "queue": personas.other_queue.pk},
         django_capture_on_commit_callbacks)
    call = Conversation.objects.get(assignee=voice_agent, medium="voice")
    assert call.call_state == "dialing"
    voice_agent.state.refresh_from_db()
    assert voice_agent.state.status.code == "dialing"
    assert [c.command for c in get_backend().commands_for(call)] == ["dial"]
    page = client.get(f"/workspace/conversations/{call.pk}/").content.decode()
    assert 'data-testid="simulate-answer"' in page
    post(client, f"/workspace/conversations/{call.pk}/call/simulate/answer/", None, django_capture_on_commit_callbacks)
    call.refresh_from_db()
    voice_agent.state.refresh_from_db()
    assert call.call_state == "active" and voice_agent.state.status.code == "in_service"


def test_agent_mutes_holds_and_hangs_up_a_call(client, personas, voice_agent, django_capture_on_commit_callbacks):
    personas.other_queue.after_service_seconds = 30
    personas.other_queue.save()
    client.force_login(voice_agent)
    post(client, "/workspace/calls/", {"number": "600123456", "queue": personas.other_queue.pk},
         django_capture_on_commit_callbacks)
    call = Conversation.objects.get(assignee=voice_agent, medium="voice")
    post(client, f"/workspace/conversations/{call.pk}/call/simulate/answer/", None, django_capture_on_commit_callbacks)
    post(client, f"/workspace/conversations/{call.pk}/call/mute/", None, django_capture_on_commit_callbacks)
    call.refresh_from_db()
    assert call.call_state == "muted"
    post(client, f"/workspace/conversations/{call.pk}/call/unmute/", None, django_capture_on_commit_callbacks)
    post(client, f"/workspace/conversations/{call.pk}/call/hold/", None, django_capture_on_commit_callbacks)
    call.refresh_from_db()
    assert call.call_state == "held"
    post(client, f"/workspace/conversations/{call.pk}/call/hangup/", None, django_capture_on_commit_callbacks)
    call.refresh_from_db()
    voice_agent.state.refresh_from_db()
    assert call.status == "closed" and call.call_state == "ended"
    assert voice_agent.state.status.code == "after_service"
    assert "hangup" in [c.command for c in get_backend().commands_for(call)]


def test_a_colleague_cannot_control_someone_elses_call(client, personas, voice_agent,
                                                      django_capture_on_commit_callbacks):
    client.force_login(voice_agent)
    post(client, "/workspace/calls/", {"number": "600123456", "queue": personas.other_queue.pk},
         django_capture_on_commit_callbacks)
    call = Conversation.objects.get(assignee=voice_agent, medium="voice")
    client.force_login(personas.colleague)
    assert client.post(f"/workspace/conversations/{call.pk}/call/hangup/").status_code == 404
    call.refresh_from_db()
    assert call.status == "assigned"


def test_an_unknown_call_action_is_a_404(client, personas, voice_agent, django_capture_on_commit_callbacks):
    client.force_login(voice_agent)
    post(client, "/workspace/calls/", {"number": "600123456", "queue": personas.other_queue.pk},
         django_capture_on_commit_callbacks)
    call = Conversation.objects.get(assignee=voice_agent, medium="voice")
    assert client.post(f"/workspace/conversations/{call.pk}/call/explode/").status_code == 404


def test_dialing_from_another_organizations_queue_is_a_404(client, personas, voice_agent):
    client.force_login(voice_agent)
    response = client.post("/workspace/calls/", {"number": "600123456", "queue": personas.outsider_queue.pk})
    assert response.status_code == 404
    assert not Conversation.objects.filter(assignee=voice_agent).exists()


def test_an_incoming_call_is_answered_from_the_workspace(client, personas, voice_agent,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call = conversations.conversation_open(queue=personas.other_queue,
                                               contact=f.ContactFactory(organization=personas.organization))
    call.refresh_from_db()
    assert call.status == "offered"
    client.force_login(voice_agent)
    page = client.get("/workspace/").content.decode()
    assert f"/workspace/conversations/{call.pk}/" in page
    assert 'data-testid="answer"' in client.get(f"/workspace/conversations/{call.pk}/").content.decode()
    post(client, f"/workspace/conversations/{call.pk}/answer/", {"answer": "accept"},
         django_capture_on_commit_callbacks)
    call.refresh_from_db()
    assert call.status == "assigned" and call.assignee == voice_agent and call.call_state == "active"
    assert "answer" in [c.command for c in get_backend().commands_for(call)]


def test_campaign_preview_call_and_reschedule(client, personas, django_capture_on_commit_callbacks):
    campaign = f.CampaignFactory(organization=personas.organization, after_service_seconds=30)
    no_answer = f.DispositionFactory(organization=personas.organization, name="No contesta", reschedules=True)
    campaign.dispositions.add(no_answer)
    f.QueueMembershipFactory(queue=campaign, user=personas.agent)
    entry = f.CampaignContactFactory(queue=campaign, contact__phone="+34600999888", contact__name="Marta Previa")
    agent = personas.agent
    with django_capture_on_commit_callbacks(execute=True):
        agents.agent_sign_in(agent=agent)
        queues.queue_login(queue=campaign, agent=agent)
        agents.agent_set_receive_new(agent=agent, on=True)
    client.force_login(agent)
    assert 'data-testid="campaign-next"' in client.get("/workspace/").content.decode()
    post(client, f"/workspace/campaigns/{campaign.pk}/next/", None, django_capture_on_commit_callbacks)
    page = client.get("/workspace/").content.decode()
    assert "Marta Previa" in page and 'data-testid="campaign-call"' in page
    post(client, f"/workspace/campaigns/contacts/{entry.pk}/call/", None, django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.attempts == 1 and entry.conversation.call_state == "dialing"
    post(client, f"/workspace/conversations/{entry.conversation_id}/call/simulate/no-answer/", None,
         django_capture_on_commit_callbacks)
    call = entry.conversation
    call.refresh_from_db()
    assert call.status == "closed"
    agent.state.refresh_from_db()
    if agent.state.status.code == "after_service":
        post(client, f"/workspace/conversations/{call.pk}/wrapup/",
             {"wrapup-disposition": no_answer.pk, "wrapup-wrapup_notes": "sin respuesta", "ready": "1"},
             django_capture_on_commit_callbacks)
    else:
        from contactcenter.services import campaigns

        campaigns.campaign_disposition(agent=agent, campaign_contact=entry, disposition=no_answer)
    entry.refresh_from_db()
    assert entry.status == CampaignContact.Status.RESCHEDULED and entry.next_attempt_at is not None


def test_a_ringing_call_shows_answer_and_decline_wherever_the_agent_is(client, personas, voice_agent,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call = conversations.conversation_open(queue=personas.other_queue,
                                               contact=f.ContactFactory(organization=personas.organization,
                                                                        phone="+34600999888"))
    client.force_login(voice_agent)
    page = client.get("/workspace/?tab=unassigned").content.decode()  # no conversation open
    incoming = page.split('data-testid="incoming"')[1].split("</div>\n    {% endif %}")[0]
    assert 'role="alertdialog"' in page and 'aria-live="assertive"' in page
    assert "+34600999888" in incoming and "Soporte" in incoming
    assert f'action="/workspace/conversations/{call.pk}/answer/"' in incoming
    post(client, f"/workspace/conversations/{call.pk}/answer/", {"answer": "decline"},
         django_capture_on_commit_callbacks)
    assert 'data-testid="incoming"' not in client.get("/workspace/").content.decode()
