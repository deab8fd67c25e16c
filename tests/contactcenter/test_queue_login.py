"""Queue login (now) is distinct from queue membership (permanent)."""

import pytest

from contactcenter.models import AuditEntry, QueueLogin, QueueMembership
from contactcenter.services import queues
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f

pytestmark = pytest.mark.django_db


def open_logins(agent):
    return QueueLogin.objects.filter(agent=agent, ended_at__isnull=True)


def test_a_member_logs_in_to_a_queue_and_out_again(personas, engine):
    p = personas
    login = engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    assert (login.queue, login.agent, login.logged_in_by, login.is_unassigned) == (p.queue, p.agent, p.agent, False)
    assert list(open_logins(p.agent)) == [login]

    assert engine.call(queues.queue_logout, queue=p.queue, agent=p.agent) is True
    login.refresh_from_db()
    assert login.ended_at is not None
    assert login.logged_out_by == p.agent
    assert not open_logins(p.agent).exists()


def test_logging_in_twice_keeps_one_open_login(personas, engine):
    p = personas
    first = engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    second = engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    assert first.pk == second.pk
    assert open_logins(p.agent).count() == 1


def test_logging_out_of_a_queue_one_is_not_logged_in_to_changes_nothing(personas, engine):
    assert engine.call(queues.queue_logout, queue=personas.queue, agent=personas.agent) is False


def test_a_supervisor_of_the_queue_logs_an_agent_in_and_out_and_both_are_audited(personas, engine):
    p = personas
    login = engine.call(queues.queue_login, queue=p.queue, agent=p.agent, by=p.supervisor)
    assert login.logged_in_by == p.supervisor
    engine.call(queues.queue_logout, queue=p.queue, agent=p.agent, by=p.supervisor)
    login.refresh_from_db()
    assert login.logged_out_by == p.supervisor
    entries = AuditEntry.objects.filter(actor=p.supervisor, target_user=p.agent, queue=p.queue)
    assert set(entries.values_list("action", flat=True)) == {"queue.login_agent", "queue.logout_agent"}


def test_an_agent_logging_themself_in_writes_no_audit_entry(personas, engine):
    engine.call(queues.queue_login, queue=personas.queue, agent=personas.agent)
    assert not AuditEntry.objects.exists()


def test_a_supervisor_of_another_queue_cannot_log_an_agent_in_or_out(personas, engine, other_supervisor):
    p = personas
    assert p.organization.supervisors_limited_to_assigned_queues
    with pytest.raises(NotAllowed):
        engine.call(queues.queue_login, queue=p.queue, agent=p.agent, by=other_supervisor)
    assert not open_logins(p.agent).exists()
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    with pytest.raises(NotAllowed):
        engine.call(queues.queue_logout, queue=p.queue, agent=p.agent, by=other_supervisor)
    assert open_logins(p.agent).exists()
    assert not AuditEntry.objects.exists()


def test_any_supervisor_may_log_agents_in_when_supervisors_are_not_limited_to_their_queues(
    personas, engine, other_supervisor
):
    p = personas
    p.organization.supervisors_limited_to_assigned_queues = False
    p.organization.save()
    other_supervisor.refresh_from_db()
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent, by=other_supervisor)
    assert open_logins(p.agent).get().logged_in_by == other_supervisor


def test_an_agent_cannot_log_a_colleague_in(personas, engine):
    p = personas
    with pytest.raises(NotAllowed):
        engine.call(queues.queue_login, queue=p.queue, agent=p.colleague, by=p.agent)
    assert not open_logins(p.colleague).exists()


def test_a_queue_of_another_organization_does_not_exist_for_the_agent(personas, engine):
    p = personas
    with pytest.raises(DomainError) as error:
        engine.call(queues.queue_login, queue=p.outsider_queue, agent=p.agent)
    assert error.value.code == "not_found"
    with pytest.raises(DomainError):
        engine.call(queues.queue_login, queue=p.queue, agent=p.agent, by=p.outsider)


def test_an_inactive_queue_refuses_logins(personas, engine):
    p = personas
    p.queue.is_active = False
    p.queue.save()
    with pytest.raises(DomainError) as error:
        engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    assert error.value.code == "inactive"


def test_a_non_member_cannot_log_in_unless_the_organization_allows_unassigned_queues(personas, engine):
    p = personas
    assert not p.organization.allow_unassigned_queue_login
    with pytest.raises(DomainError) as error:
        engine.call(queues.queue_login, queue=p.other_queue, agent=p.agent)
    assert error.value.code == "not_member"
    assert not open_logins(p.agent).exists()


def test_a_non_member_logs_in_to_an_unassigned_queue_when_the_organization_allows_it(personas, engine):
    p = personas
    p.organization.allow_unassigned_queue_login = True
    p.organization.save()
    login = engine.call(queues.queue_login, queue=p.other_queue, agent=p.agent)
    assert login.is_unassigned is True


def test_an_unassigned_login_lasts_after_the_policy_is_turned_off_and_stays_routable(personas, engine):
    p = personas
    p.organization.allow_unassigned_queue_login = True
    p.organization.save()
    engine.make_ready(p.agent, p.other_queue)

    p.organization.allow_unassigned_queue_login = False
    p.organization.save()
    assert open_logins(p.agent).filter(queue=p.other_queue).exists()
    call = engine.arrive(p.other_queue)
    assert call.status == "offered"
    assert call.offers.get().agent == p.agent

    engine.call(queues.queue_logout, queue=p.other_queue, agent=p.agent)
    with pytest.raises(DomainError) as error:
        engine.call(queues.queue_login, queue=p.other_queue, agent=p.agent)
    assert error.value.code == "not_member"


def test_logging_in_does_not_create_a_membership(personas, engine):
    p = personas
    p.organization.allow_unassigned_queue_login = True
    p.organization.save()
    engine.call(queues.queue_login, queue=p.other_queue, agent=p.agent, by=p.admin)
    assert not QueueMembership.objects.filter(queue=p.other_queue, user=p.agent).exists()
    assert open_logins(p.agent).filter(queue=p.other_queue).exists()


def test_a_supervisor_logs_in_a_member_of_their_queue_who_is_signed_out(personas, engine):
    """Logging in to a queue does not sign the agent in: they get work once they are Ready."""
    p = personas
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent, by=p.supervisor)
    assert engine.status(p.agent) == "offline"
    conversation = engine.arrive(p.queue)
    assert conversation.status == "queued"


def test_a_deactivated_agent_cannot_be_logged_in(personas, engine):
    p = personas
    agent = f.AgentFactory(organization=p.organization, is_active=False)
    f.QueueMembershipFactory(queue=p.queue, user=agent)
    with pytest.raises(DomainError) as error:
        engine.call(queues.queue_login, queue=p.queue, agent=agent, by=p.supervisor)
    assert error.value.code == "inactive"
