from contactcenter.models import Conversation
from contactcenter.services import agents, conversations, queues
from tests import factories as f


def test_a_ready_agent_logged_in_to_the_queue_gets_a_new_chat(personas, django_capture_on_commit_callbacks):
    p = personas
    with django_capture_on_commit_callbacks(execute=True):
        agents.agent_sign_in(agent=p.agent)
        queues.queue_login(queue=p.queue, agent=p.agent)
        agents.agent_set_receive_new(agent=p.agent, on=True)
    contact = f.ContactFactory(organization=p.organization)
    with django_capture_on_commit_callbacks(execute=True):
        conv = conversations.conversation_open(queue=p.queue, contact=contact, text="Hola")
    conv.refresh_from_db()
    assert conv.status == Conversation.Status.ASSIGNED
    assert conv.assignee == p.agent
    p.agent.state.refresh_from_db()
    assert p.agent.state.status.code == "in_service"
    assert p.agent.state.chat_load == 1
