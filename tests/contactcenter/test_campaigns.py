"""Campaigns: the next contact goes to one agent only, a call counts an attempt, the
disposition reschedules or finishes the contact, progress counts, import, constraints, and
on PostgreSQL concurrent agents never share a contact."""

import threading
import traceback
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from contactcenter.models import CampaignContact, Contact, Conversation
from contactcenter.services import agents, calls, campaigns, queues, telephony, wrapup
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f

CC = CampaignContact.Status


@pytest.fixture
def backend():
    backend = telephony.get_backend()
    backend.reset()
    yield backend
    backend.reset()


class Campaign:
    def __init__(self, personas):
        org = personas.organization
        self.queue = f.CampaignFactory(organization=org, name="Renovaciones", after_service_seconds=60)
        for agent in (personas.agent, personas.colleague):
            f.QueueMembershipFactory(queue=self.queue, user=agent)
        self.no_answer = f.DispositionFactory(organization=org, name="No contesta", reschedules=True)
        self.call_back = f.DispositionFactory(organization=org, name="Volver a llamar", reschedules=True)
        self.sale = f.DispositionFactory(organization=org, name="Venta realizada")
        self.queue.dispositions.add(self.no_answer, self.call_back, self.sale)

    def add(self, count=1, **kwargs) -> list[CampaignContact]:
        return [f.CampaignContactFactory(queue=self.queue, **kwargs) for _ in range(count)]


@pytest.fixture
def campaign(personas) -> Campaign:
    return Campaign(personas)


def next_for(engine, agent, campaign):
    return engine.call(campaigns.campaign_next_contact, agent=agent, queue=campaign.queue)


def fresh(entry: CampaignContact) -> CampaignContact:
    entry.refresh_from_db()
    return entry


# --- Next contact (preview) -------------------------------------------------------------------


def test_the_next_contact_goes_to_one_agent_only(engine, personas, campaign):
    first, second = campaign.add(2)
    engine.make_ready(personas.agent, campaign.queue)
    engine.make_ready(personas.colleague, campaign.queue)

    mine = next_for(engine, personas.agent, campaign)
    theirs = next_for(engine, personas.colleague, campaign)
    assert (mine, theirs) == (first, second)
    assert (fresh(first).status, first.assigned_to) == (CC.IN_PROGRESS, personas.agent)
    assert (fresh(second).status, second.assigned_to) == (CC.IN_PROGRESS, personas.colleague)
    # Asking again shows the agent's current contact, not another one.
    assert next_for(engine, personas.agent, campaign) == first
    assert CampaignContact.objects.filter(assigned_to=personas.agent).count() == 1


def test_no_next_contact_when_none_is_due(engine, personas, campaign):
    campaign.add(status=CC.RESCHEDULED, next_attempt_at=timezone.now() + timedelta(minutes=30))
    campaign.add(status=CC.DONE, attempts=1)
    engine.make_ready(personas.agent, campaign.queue)
    assert next_for(engine, personas.agent, campaign) is None


def test_a_due_callback_comes_before_pending_contacts(engine, personas, campaign):
    campaign.add(2)
    due = campaign.add(status=CC.RESCHEDULED, attempts=1, next_attempt_at=timezone.now() - timedelta(minutes=1))[0]
    engine.make_ready(personas.agent, campaign.queue)
    assert next_for(engine, personas.agent, campaign) == due


def test_pending_contacts_come_in_list_order(engine, personas, campaign):
    later = campaign.add(position=5)[0]
    sooner = campaign.add(position=1)[0]
    engine.make_ready(personas.agent, campaign.queue)
    engine.make_ready(personas.colleague, campaign.queue)
    assert next_for(engine, personas.agent, campaign) == sooner
    assert next_for(engine, personas.colleague, campaign) == later


def test_the_next_contact_needs_the_agent_logged_in_and_ready(engine, personas, campaign):
    campaign.add()
    engine.call(agents.agent_sign_in, agent=personas.agent)
    with pytest.raises(DomainError) as refused:
        next_for(engine, personas.agent, campaign)
    assert refused.value.code == "not_logged_in"
    engine.call(queues.queue_login, queue=campaign.queue, agent=personas.agent)
    with pytest.raises(DomainError) as refused:  # Receive new is off
        next_for(engine, personas.agent, campaign)
    assert refused.value.code == "not_ready"
    assert not CampaignContact.objects.filter(status=CC.IN_PROGRESS).exists()


def test_only_campaigns_of_the_agents_organization_have_contacts(engine, personas, campaign):
    engine.make_ready(personas.agent, campaign.queue)
    with pytest.raises(DomainError) as refused:
        engine.call(campaigns.campaign_next_contact, agent=personas.agent, queue=personas.queue)
    assert refused.value.code == "not_campaign"
    theirs = f.CampaignFactory(organization=personas.outsider.organization)
    f.CampaignContactFactory(queue=theirs)
    with pytest.raises(DomainError) as refused:
        engine.call(campaigns.campaign_next_contact, agent=personas.agent, queue=theirs)
    assert refused.value.code == "not_found"


# --- Calling ----------------------------------------------------------------------------------


def test_calling_the_contact_dials_it_and_counts_the_attempt(engine, personas, campaign, backend):
    entry = campaign.add(contact=f.ContactFactory(organization=personas.organization, phone="+34 611 222 333"))[0]
    engine.make_ready(personas.agent, campaign.queue)
    next_for(engine, personas.agent, campaign)
    conversation = engine.call(campaigns.campaign_call, agent=personas.agent, campaign_contact=entry)
    conversation.refresh_from_db()
    entry = fresh(entry)
    assert entry.attempts == 1
    assert entry.conversation == conversation
    assert (conversation.queue, conversation.contact, conversation.call_state) == (
        campaign.queue, entry.contact, Conversation.CallState.DIALING)
    assert engine.status(personas.agent) == "dialing"
    assert [(c.command, c.args) for c in backend.commands_for(conversation)] == [
        ("dial", {"number": "+34611222333"})]


def test_an_agent_cannot_call_a_contact_that_is_not_theirs(engine, personas, campaign, backend):
    entry = campaign.add()[0]
    engine.make_ready(personas.agent, campaign.queue)
    engine.make_ready(personas.colleague, campaign.queue)
    next_for(engine, personas.agent, campaign)
    with pytest.raises(NotAllowed):
        engine.call(campaigns.campaign_call, agent=personas.colleague, campaign_contact=entry)
    pending = campaign.add()[0]  # not previewed by anyone
    with pytest.raises(NotAllowed):
        engine.call(campaigns.campaign_call, agent=personas.colleague, campaign_contact=pending)
    assert fresh(entry).attempts == 0
    assert list(backend.commands) == []
    outsider_entry = f.CampaignContactFactory(queue=f.CampaignFactory(organization=personas.outsider.organization))
    with pytest.raises(DomainError) as refused:
        engine.call(campaigns.campaign_call, agent=personas.agent, campaign_contact=outsider_entry)
    assert refused.value.code == "not_found"


def test_a_contact_without_a_phone_cannot_be_called(engine, personas, campaign, backend):
    entry = campaign.add(contact=f.ContactFactory(organization=personas.organization, phone=""))[0]
    engine.make_ready(personas.agent, campaign.queue)
    next_for(engine, personas.agent, campaign)
    with pytest.raises(DomainError) as refused:
        engine.call(campaigns.campaign_call, agent=personas.agent, campaign_contact=entry)
    assert refused.value.code == "no_number"
    assert fresh(entry).attempts == 0


def _call(engine, agent, campaign, entry, backend, *, answered: bool) -> Conversation:
    engine.make_ready(agent, campaign.queue)
    assert next_for(engine, agent, campaign) == entry
    conversation = engine.call(campaigns.campaign_call, agent=agent, campaign_contact=entry)
    if answered:
        engine.call(backend.simulate_answer, conversation=conversation)
        assert fresh(entry).call_outcome == CampaignContact.CallOutcome.ANSWERED
        engine.call(calls.call_hangup, conversation=conversation, by=agent)
    else:
        engine.call(backend.simulate_no_answer, conversation=conversation)
    conversation.refresh_from_db()
    return conversation


# --- Disposition ------------------------------------------------------------------------------


def test_no_answer_reschedules_the_contact_for_later(engine, personas, campaign, backend):
    entry = campaign.add()[0]
    conversation = _call(engine, personas.agent, campaign, entry, backend, answered=False)
    entry = fresh(entry)
    # The call ended unanswered: the contact stays with the agent, who chooses the outcome.
    assert (entry.status, entry.assigned_to, entry.call_outcome) == (
        CC.IN_PROGRESS, personas.agent, CampaignContact.CallOutcome.NO_ANSWER)
    assert engine.status(personas.agent) == "ready"

    before = timezone.now()
    engine.call(campaigns.campaign_disposition, agent=personas.agent, campaign_contact=entry,
                disposition=campaign.no_answer, notes="Buzón de voz")
    entry = fresh(entry)
    assert entry.status == CC.RESCHEDULED
    assert entry.assigned_to is None
    assert entry.last_disposition == campaign.no_answer
    assert entry.notes == "Buzón de voz"
    assert before + campaigns.RESCHEDULE_DELAY <= entry.next_attempt_at <= timezone.now() + campaigns.RESCHEDULE_DELAY
    conversation.refresh_from_db()
    assert conversation.disposition == campaign.no_answer
    # Not due yet: nobody gets it now.
    engine.make_ready(personas.colleague, campaign.queue)
    assert next_for(engine, personas.colleague, campaign) is None


def test_a_sale_marks_the_contact_done_and_ends_the_wrap_up_requirement(engine, personas, campaign, backend):
    entry = campaign.add()[0]
    conversation = _call(engine, personas.agent, campaign, entry, backend, answered=True)
    assert engine.status(personas.agent) == "after_service"
    with pytest.raises(DomainError):  # the queue has dispositions: choose one first
        engine.call(wrapup.wrapup_end, agent=personas.agent)

    engine.call(campaigns.campaign_disposition, agent=personas.agent, campaign_contact=entry,
                disposition=campaign.sale)
    entry = fresh(entry)
    assert (entry.status, entry.next_attempt_at, entry.last_disposition) == (CC.DONE, None, campaign.sale)
    assert entry.assigned_to == personas.agent
    conversation.refresh_from_db()
    assert conversation.disposition == campaign.sale
    engine.call(wrapup.wrapup_end, agent=personas.agent)
    assert engine.status(personas.agent) == "ready"
    engine.assert_ledger_tiles(personas.agent)


def test_call_back_at_the_time_the_customer_asked(engine, personas, campaign, backend):
    entry = campaign.add()[0]
    _call(engine, personas.agent, campaign, entry, backend, answered=True)
    at = timezone.now() + timedelta(days=2)
    engine.call(campaigns.campaign_disposition, agent=personas.agent, campaign_contact=entry,
                disposition=campaign.call_back, callback_at=at)
    entry = fresh(entry)
    assert (entry.status, entry.next_attempt_at) == (CC.RESCHEDULED, at)


@pytest.mark.parametrize(
    ("disposition", "when"),
    [("call_back", -timedelta(minutes=1)), ("sale", timedelta(hours=1))],
    ids=["callback in the past", "callback with a final disposition"],
)
def test_a_bad_callback_time_is_refused(engine, personas, campaign, backend, disposition, when):
    entry = campaign.add()[0]
    _call(engine, personas.agent, campaign, entry, backend, answered=True)
    with pytest.raises(DomainError) as refused:
        engine.call(campaigns.campaign_disposition, agent=personas.agent, campaign_contact=entry,
                    disposition=getattr(campaign, disposition), callback_at=timezone.now() + when)
    assert refused.value.code == "bad_callback"
    assert fresh(entry).status == CC.IN_PROGRESS


def test_the_disposition_waits_until_the_call_ends(engine, personas, campaign, backend):
    entry = campaign.add()[0]
    engine.make_ready(personas.agent, campaign.queue)
    next_for(engine, personas.agent, campaign)
    conversation = engine.call(campaigns.campaign_call, agent=personas.agent, campaign_contact=entry)
    engine.call(backend.simulate_answer, conversation=conversation)
    with pytest.raises(DomainError) as refused:
        engine.call(campaigns.campaign_disposition, agent=personas.agent, campaign_contact=entry,
                    disposition=campaign.sale)
    assert refused.value.code == "on_call"
    assert fresh(entry).status == CC.IN_PROGRESS


def test_the_disposition_must_be_one_of_the_campaigns(engine, personas, campaign, backend):
    entry = campaign.add()[0]
    _call(engine, personas.agent, campaign, entry, backend, answered=False)
    for foreign in (f.DispositionFactory(organization=personas.organization, name="De otra cola"),
                    f.DispositionFactory(organization=personas.outsider.organization)):
        with pytest.raises(DomainError) as refused:
            engine.call(campaigns.campaign_disposition, agent=personas.agent, campaign_contact=entry,
                        disposition=foreign)
        assert refused.value.code == "bad_disposition"
    assert fresh(entry).last_disposition is None


def test_only_the_agent_with_the_contact_chooses_its_disposition(engine, personas, campaign, backend):
    entry = campaign.add()[0]
    _call(engine, personas.agent, campaign, entry, backend, answered=False)
    with pytest.raises(NotAllowed):
        engine.call(campaigns.campaign_disposition, agent=personas.colleague, campaign_contact=entry,
                    disposition=campaign.sale)
    assert fresh(entry).status == CC.IN_PROGRESS


def test_a_previewed_contact_may_be_disposed_without_calling(engine, personas, campaign):
    entry = campaign.add()[0]
    engine.make_ready(personas.agent, campaign.queue)
    next_for(engine, personas.agent, campaign)
    engine.call(campaigns.campaign_disposition, agent=personas.agent, campaign_contact=entry,
                disposition=campaign.sale)
    assert (fresh(entry).status, entry.attempts) == (CC.DONE, 0)


def test_a_rescheduled_contact_is_called_again_and_counts_a_second_attempt(engine, personas, campaign, backend):
    entry = campaign.add()[0]
    _call(engine, personas.agent, campaign, entry, backend, answered=False)
    engine.call(campaigns.campaign_disposition, agent=personas.agent, campaign_contact=entry,
                disposition=campaign.no_answer)
    CampaignContact.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    _call(engine, personas.colleague, campaign, entry, backend, answered=False)
    entry = fresh(entry)
    assert (entry.attempts, entry.assigned_to) == (2, personas.colleague)
    assert Conversation.objects.filter(queue=campaign.queue).count() == 2


def test_a_released_contact_goes_back_to_the_list_for_anyone(engine, personas, campaign, backend):
    entry = campaign.add()[0]
    engine.make_ready(personas.agent, campaign.queue)
    engine.make_ready(personas.colleague, campaign.queue)
    next_for(engine, personas.agent, campaign)
    with pytest.raises(NotAllowed):
        engine.call(campaigns.campaign_release, campaign_contact=entry, by=personas.colleague)
    engine.call(campaigns.campaign_release, campaign_contact=entry, by=personas.agent)
    assert (fresh(entry).status, entry.assigned_to) == (CC.PENDING, None)
    assert next_for(engine, personas.colleague, campaign) == entry


def test_a_supervisor_frees_a_contact_an_agent_kept_and_it_is_audited(engine, personas, campaign, backend):
    from contactcenter.models import AuditEntry

    entry = campaign.add()[0]
    _call(engine, personas.agent, campaign, entry, backend, answered=False)
    engine.call(campaigns.campaign_disposition, agent=personas.agent, campaign_contact=entry,
                disposition=campaign.no_answer)
    CampaignContact.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
    engine.make_ready(personas.agent, campaign.queue)
    next_for(engine, personas.agent, campaign)
    engine.call(campaigns.campaign_release, campaign_contact=entry, by=personas.admin)
    assert (fresh(entry).status, entry.assigned_to) == (CC.RESCHEDULED, None)
    audit = AuditEntry.objects.get(action="campaign.release_contact")
    assert (audit.actor, audit.target_user) == (personas.admin, personas.agent)


def test_a_contact_on_a_call_cannot_be_released(engine, personas, campaign, backend):
    entry = campaign.add()[0]
    engine.make_ready(personas.agent, campaign.queue)
    next_for(engine, personas.agent, campaign)
    engine.call(campaigns.campaign_call, agent=personas.agent, campaign_contact=entry)
    with pytest.raises(DomainError) as refused:
        engine.call(campaigns.campaign_release, campaign_contact=entry, by=personas.agent)
    assert refused.value.code == "on_call"
    assert fresh(entry).status == CC.IN_PROGRESS


# --- Progress ---------------------------------------------------------------------------------


def test_progress_counts_the_campaign(engine, personas, campaign, backend):
    campaign.add(3)  # pending, never called
    campaign.add(2, status=CC.DONE, attempts=1, last_disposition=campaign.sale)
    campaign.add(status=CC.DONE, attempts=3, last_disposition=campaign.no_answer)
    campaign.add(status=CC.RESCHEDULED, attempts=1, last_disposition=campaign.no_answer,
                 next_attempt_at=timezone.now() + timedelta(hours=1))
    campaign.add(status=CC.RESCHEDULED, attempts=2, last_disposition=campaign.call_back,
                 next_attempt_at=timezone.now() - timedelta(hours=1))
    f.CampaignContactFactory(queue=f.CampaignFactory(organization=personas.organization), attempts=4)
    engine.make_ready(personas.agent, campaign.queue)
    next_for(engine, personas.agent, campaign)  # the due callback: in progress now

    progress = campaigns.campaign_progress(campaign.queue)
    assert progress == {
        "total": 8,
        "called": 5,
        "pending": 3,
        "in_progress": 1,
        "rescheduled": 1,
        "done": 3,
        "due": 3,
        "attempts": 8,
        "by_disposition": {"No contesta": 2, "Venta realizada": 2, "Volver a llamar": 1},
    }


# --- Import -----------------------------------------------------------------------------------


def test_import_adds_contacts_reusing_known_numbers_and_skipping_duplicates(personas, campaign,
                                                                            django_capture_on_commit_callbacks):
    known = f.ContactFactory(organization=personas.organization, phone="+34600000001", name="Conocido")
    already = campaign.add(contact=f.ContactFactory(organization=personas.organization, phone="+34600000002"))[0]
    rows = [
        {"nombre": "Conocido", "teléfono": "+34 600 000 001"},
        {"name": "Ya está", "phone": "+34600000002"},
        {"Name": "Nueva", "Phone": "600-000-003", "Email": "nueva@example.com", "Notes": "VIP"},
        {"name": "Repetida", "phone": "600 000 003"},
        {"name": "", "phone": ""},  # a blank line
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = campaigns.campaign_import_contacts(queue=campaign.queue, rows=rows, by=personas.admin)
    assert result == {"created": 2, "skipped": 2}
    entries = list(CampaignContact.objects.filter(queue=campaign.queue).order_by("position", "id"))
    assert [e.contact.phone for e in entries] == ["+34600000002", "+34600000001", "600000003"]
    assert entries[1].contact == known
    assert entries[0] == already
    assert (entries[2].contact.name, entries[2].contact.email, entries[2].notes) == (
        "Nueva", "nueva@example.com", "VIP")


def test_import_with_a_bad_row_imports_nothing_and_names_the_row(personas, campaign):
    rows = [{"name": "Bien", "phone": "+34600000009"}, {"name": "Mal", "phone": "llámame"},
            {"name": "Sin número"}, {"name": "Correo", "phone": "+34600000010", "email": "no-es-correo"}]
    with pytest.raises(DomainError) as refused:
        campaigns.campaign_import_contacts(queue=campaign.queue, rows=rows, by=personas.admin)
    assert "2" in refused.value.message and "3" in refused.value.message and "4" in refused.value.message
    assert not CampaignContact.objects.exists()
    assert not Contact.objects.filter(phone="+34600000009").exists()


def test_only_a_supervisor_of_the_campaign_imports_contacts(personas, campaign):
    with pytest.raises(NotAllowed):
        campaigns.campaign_import_contacts(queue=campaign.queue, rows=[{"phone": "+34600000011"}],
                                           by=personas.agent)
    with pytest.raises(DomainError):
        campaigns.campaign_import_contacts(queue=campaign.queue, rows=[{"phone": "+34600000011"}],
                                           by=personas.outsider)
    assert not CampaignContact.objects.exists()


# --- Constraints and __str__ ------------------------------------------------------------------


def test_a_contact_is_in_a_campaign_once(campaign):
    entry = campaign.add()[0]
    with pytest.raises(IntegrityError, match="campaign_contact_unique|UNIQUE"), transaction.atomic():
        f.CampaignContactFactory(queue=campaign.queue, contact=entry.contact)
    other = f.CampaignFactory(organization=campaign.queue.organization)
    assert f.CampaignContactFactory(queue=other, contact=entry.contact).pk


def test_attempts_cannot_be_negative(campaign):
    entry = campaign.add()[0]
    with pytest.raises(IntegrityError, match="attempts"), transaction.atomic():
        CampaignContact.objects.filter(pk=entry.pk).update(attempts=-1)


def test_a_contact_in_progress_has_an_agent(campaign):
    with pytest.raises(IntegrityError, match="campaign_contact_in_progress_has_agent"), transaction.atomic():
        campaign.add(status=CC.IN_PROGRESS)


def test_an_agent_has_one_contact_in_progress_per_campaign(personas, campaign):
    campaign.add(status=CC.IN_PROGRESS, assigned_to=personas.agent)
    with pytest.raises(IntegrityError, match="campaign_contact_one_in_progress_per_agent|UNIQUE"), \
            transaction.atomic():
        campaign.add(status=CC.IN_PROGRESS, assigned_to=personas.agent)
    campaign.add(status=CC.DONE, assigned_to=personas.agent)
    campaign.add(status=CC.IN_PROGRESS, assigned_to=personas.colleague)
    f.CampaignContactFactory(queue=f.CampaignFactory(organization=personas.organization),
                             status=CC.IN_PROGRESS, assigned_to=personas.agent)


def test_str_of_a_campaign_contact_names_the_contact_campaign_and_status(campaign):
    entry = campaign.add(contact=f.ContactFactory(organization=campaign.queue.organization, name="Marta"))[0]
    assert str(entry) == f"Marta · Renovaciones ({entry.get_status_display()})"


# --- Concurrency (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_agents_never_get_the_same_contact(needs_postgres, personas):
    """Several agents ask for the next contact at once, over and over, finishing each one:
    every contact is handed out exactly once."""
    campaign = Campaign(personas)
    entries = campaign.add(60)
    workers = [personas.agent, personas.colleague] + [
        f.AgentFactory(organization=personas.organization) for _ in range(4)
    ]
    for agent in workers:
        queues.queue_member_add(queue=campaign.queue, user=agent)
        agents.agent_sign_in(agent=agent)
        queues.queue_login(queue=campaign.queue, agent=agent)
        agents.agent_set_receive_new(agent=agent, on=True)

    got: dict[int, list[int]] = {agent.pk: [] for agent in workers}
    errors: list[str] = []
    start = threading.Barrier(len(workers))

    def work(agent):
        try:
            start.wait(timeout=30)
            while True:
                entry = campaigns.campaign_next_contact(agent=agent, queue=campaign.queue)
                if entry is None:
                    return
                got[agent.pk].append(entry.pk)
                campaigns.campaign_disposition(agent=agent, campaign_contact=entry, disposition=campaign.sale)
        except BaseException:  # noqa: BLE001 - reported below
            errors.append(traceback.format_exc())
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(agent,)) for agent in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    handed_out = [pk for pks in got.values() for pk in pks]
    assert len(handed_out) == len(set(handed_out)), "a contact was handed to two agents"
    assert sorted(handed_out) == sorted(e.pk for e in entries)
    assert sum(1 for pks in got.values() if pks) > 1, "the work was shared"
    assert CampaignContact.objects.filter(queue=campaign.queue, status=CC.DONE).count() == 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_asking_at_the_same_instant_get_different_contacts(needs_postgres, personas):
    """Round after round, two agents take the next contact at once and hold it (transaction
    open) while the other takes theirs: never the same one, and nobody waits for the other."""
    campaign = Campaign(personas)
    campaign.add(2)
    pair = [personas.agent, personas.colleague]
    for agent in pair:
        agents.agent_sign_in(agent=agent)
        queues.queue_login(queue=campaign.queue, agent=agent)
        agents.agent_set_receive_new(agent=agent, on=True)
    rounds = 15
    picks = [[None, None] for _ in range(rounds)]
    errors: list[str] = []
    start, holding = threading.Barrier(2), threading.Barrier(2)

    def work(index, agent):
        try:
            for round_ in range(rounds):
                start.wait(timeout=30)
                with transaction.atomic():
                    entry = campaigns.campaign_next_contact(agent=agent, queue=campaign.queue)
                    picks[round_][index] = entry.pk if entry else None
                    holding.wait(timeout=30)  # both hold their contact now
                    transaction.set_rollback(True)  # give it back for the next round
        except BaseException:  # noqa: BLE001 - reported below
            errors.append(traceback.format_exc())
            start.abort()
            holding.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, agent)) for i, agent in enumerate(pair)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    for first, second in picks:
        assert first is not None and second is not None
        assert first != second
    assert not CampaignContact.objects.filter(status=CC.IN_PROGRESS).exists()


# --- Admin ------------------------------------------------------------------------------------


def test_the_admin_lists_and_opens_only_the_organizations_campaign_contacts(client, personas, campaign):
    from django.urls import reverse

    mine = campaign.add(contact=f.ContactFactory(organization=personas.organization, name="Marta Mía"))[0]
    theirs = f.CampaignContactFactory(
        queue=f.CampaignFactory(organization=personas.outsider.organization),
        contact=f.ContactFactory(organization=personas.outsider.organization, name="Rival Ajeno"),
    )
    client.force_login(personas.admin)
    listing = client.get(reverse("admin:contactcenter_campaigncontact_changelist"))
    assert listing.status_code == 200
    assert "Marta Mía" in listing.text and "Rival Ajeno" not in listing.text
    assert client.get(reverse("admin:contactcenter_campaigncontact_change", args=[mine.pk])).status_code == 200
    response = client.get(reverse("admin:contactcenter_campaigncontact_change", args=[theirs.pk]))
    assert response.status_code in (302, 404) and "Rival Ajeno" not in response.text
    add = client.get(reverse("admin:contactcenter_campaigncontact_add"))
    assert add.status_code == 200
    form = add.context["adminform"].form
    assert list(form.fields["queue"].queryset) == [campaign.queue]  # campaigns of the org only
    assert set(form.fields["contact"].queryset) == set(Contact.objects.filter(organization=personas.organization))
    assert "status" not in form.fields and "attempts" not in form.fields
    contact = f.ContactFactory(organization=personas.organization)
    created = client.post(reverse("admin:contactcenter_campaigncontact_add"),
                          {"queue": campaign.queue.pk, "contact": contact.pk, "position": 7, "notes": ""})
    assert created.status_code == 302
    entry = CampaignContact.objects.get(contact=contact)
    assert (entry.organization, entry.status, entry.position) == (personas.organization, CC.PENDING, 7)
    duplicate = client.post(reverse("admin:contactcenter_campaigncontact_add"),
                            {"queue": campaign.queue.pk, "contact": contact.pk, "position": 8, "notes": ""})
    assert duplicate.status_code == 200  # a form error, not a crash
    assert CampaignContact.objects.filter(contact=contact).count() == 1
