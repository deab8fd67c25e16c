"""Every database constraint of the domain models: violated it raises IntegrityError, the valid
case next to it is accepted. Plus a readable __str__ for every model.

CHECK constraints are matched by name: both SQLite and PostgreSQL name them in the error.
"""

import uuid
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from contactcenter import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

# The constraints proven below. A new constraint without a test here fails
# test_every_model_constraint_is_covered_by_a_test.
COVERED_CONSTRAINTS = {
    "ledger_one_open_interval",
    "ledger_interval_ends_after_start",
    "status_unique_code",
    "status_system_code_known",
    "agentskill_unique",
    "supervision_alert_once",
    "supervision_alert_kind",
    "agentskill_level_1_10",
    "skill_unique_name",
    "tag_unique_name",
    "disposition_unique_name",
    "prerecorded_unique_name",
    "channel_unique_name",
    "queue_unique_name",
    "canned_public_unique_shortcut",
    "canned_personal_unique_shortcut",
    "contact_unique_external_id",
    "conversation_assigned_has_assignee",
    "conversation_waiting_has_no_assignee",
    "conversation_unique_external_id",
    "message_unique_external_id",
    "message_location_has_coordinates",
    "offer_one_pending_per_agent",
    "transfer_has_target",
    "user_has_organization_unless_superuser",
    "queue_capacity_positive",
    "membership_unique",
    "login_one_open",
    "campaign_contact_unique",
    "campaign_contact_attempts_positive",
    "campaign_contact_in_progress_has_agent",
    "campaign_contact_one_in_progress_per_agent",
    # business hours: proven in tests/connectors/test_business_hours.py
    "businesshours_unique_name",
    "bhinterval_weekday_0_6",
    "bhinterval_opens_before_closes",
    "holiday_unique_date",
    # reports' rollups: proven in tests/contactcenter/test_rollups.py
    "queuehour_unique",
    "agentstatushour_unique",
    "agenthour_unique",
    "outcomehour_disposition_xor_tag",
    "queueday_unique",
    "agentstatusday_unique",
    "agentday_unique",
    "outcomeday_disposition_xor_tag",
    # satisfaction ratings: proven in tests/contactcenter/test_csat.py
    "rating_score_range",
    "rating_answered_has_score",
    # schedules: proven below
    "schedule_unique_name",
    "scheduleshift_weekday_0_6",
    "schedulebreak_minutes_positive",
    "agentschedule_one_per_day",
    "scheduleexception_times_for_timed_kinds",
    # status rules and notifications: proven below
    "statusrule_unique_name",
    "statusrule_pause_has_reason",
    "statusrule_threshold_positive",
    "statusrule_auto_reply_has_text",
    "rulefiring_once_per_agent_occurrence",
    "rulefiring_once_per_queue_occurrence",
    "rulefiring_one_open_per_queue",
    "rulefiring_has_subject",
    "notificationpreference_known_choice",
}


def test_every_model_constraint_is_covered_by_a_test():
    declared = {
        constraint.name
        for model in apps.get_app_config("contactcenter").get_models()
        for constraint in model._meta.constraints
    }
    assert declared - COVERED_CONSTRAINTS == set(), "constraints without a test"
    assert COVERED_CONSTRAINTS - declared == set(), "tests for constraints that no longer exist"


# --- Status ledger --------------------------------------------------------------------------


def _status(organization, code):
    return m.StatusDefinition.objects.get(organization=organization, code=code)


def test_an_agent_has_at_most_one_open_ledger_interval():
    agent = f.AgentFactory()  # starts Offline with one open interval
    assert m.StatusInterval.objects.filter(agent=agent, ended_at__isnull=True).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        f.StatusIntervalFactory(agent=agent, ended_at=None)


def test_closed_ledger_intervals_and_other_agents_open_intervals_are_accepted():
    agent = f.AgentFactory()
    colleague = f.AgentFactory(organization=agent.organization)
    f.StatusIntervalFactory(agent=agent)  # closed
    f.StatusIntervalFactory(agent=agent)  # closed
    assert m.StatusInterval.objects.filter(agent=agent).count() == 3
    assert m.StatusInterval.objects.filter(agent=colleague, ended_at__isnull=True).count() == 1


def test_a_ledger_interval_cannot_end_before_it_starts():
    agent = f.AgentFactory()
    start = timezone.now() - timedelta(minutes=1)
    with pytest.raises(IntegrityError, match="ledger_interval_ends_after_start"), transaction.atomic():
        f.StatusIntervalFactory(agent=agent, started_at=start, ended_at=start - timedelta(seconds=1))


def test_a_ledger_interval_may_end_when_it_starts_or_later():
    agent = f.AgentFactory()
    start = timezone.now() - timedelta(minutes=1)
    f.StatusIntervalFactory(agent=agent, started_at=start, ended_at=start)
    f.StatusIntervalFactory(agent=agent, started_at=start, ended_at=start + timedelta(seconds=30))


# --- Statuses -------------------------------------------------------------------------------


def test_a_system_status_must_have_a_known_code():
    org = f.OrganizationFactory()
    with pytest.raises(IntegrityError, match="status_system_code_known"), transaction.atomic():
        m.StatusDefinition.objects.create(
            organization=org, kind=m.StatusDefinition.Kind.SYSTEM, code="lunch", name="Lunch"
        )


def test_a_pause_reason_may_have_any_code():
    org = f.OrganizationFactory()
    pause = m.StatusDefinition.objects.create(
        organization=org, kind=m.StatusDefinition.Kind.PAUSE, code="lunch", name="Comida"
    )
    assert pause.is_pause


def test_status_codes_are_unique_within_an_organization():
    org = f.OrganizationFactory()  # already has the system status "ready"
    with pytest.raises(IntegrityError), transaction.atomic():
        f.PauseReasonFactory(organization=org, code="ready")
    f.PauseReasonFactory(organization=org, code="training")
    other = f.OrganizationFactory()
    f.PauseReasonFactory(organization=other, code="training")


# --- Names unique per organization ----------------------------------------------------------

NAMED_FACTORIES = [
    pytest.param(f.SkillFactory, "name", id="skill"),
    pytest.param(f.TagFactory, "name", id="tag"),
    pytest.param(f.DispositionFactory, "name", id="disposition"),
    pytest.param(f.PrerecordedMessageFactory, "name", id="prerecorded"),
    pytest.param(f.ChannelFactory, "name", id="channel"),
    pytest.param(f.QueueFactory, "name", id="queue"),
]


@pytest.mark.parametrize(("factory", "field"), NAMED_FACTORIES)
def test_names_are_unique_within_an_organization(factory, field):
    org = f.OrganizationFactory()
    factory(organization=org, **{field: "Ventas"})
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(organization=org, **{field: "Ventas"})


@pytest.mark.parametrize(("factory", "field"), NAMED_FACTORIES)
def test_the_same_name_is_accepted_in_another_organization(factory, field):
    first = factory(organization=f.OrganizationFactory(), **{field: "Ventas"})
    second = factory(organization=f.OrganizationFactory(), **{field: "Ventas"})
    assert first.organization_id != second.organization_id


def test_organization_slugs_are_unique():
    f.OrganizationFactory(slug="acme")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.OrganizationFactory(slug="acme")


def test_channel_public_keys_are_unique():
    channel = f.ChannelFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.ChannelFactory(public_key=channel.public_key)


def test_usernames_are_unique_across_organizations():
    f.AgentFactory(username="ana")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.AgentFactory(username="ana")


# --- Users ----------------------------------------------------------------------------------


def test_a_user_must_belong_to_an_organization_unless_superuser():
    with pytest.raises(IntegrityError, match="user_has_organization_unless_superuser"), transaction.atomic():
        m.User.objects.create_user(username="nadie", password="x", organization=None)


def test_a_platform_superuser_may_have_no_organization():
    root = m.User.objects.create_superuser(username="root", password="x", email="root@example.com")
    assert root.organization_id is None


# --- Queues ---------------------------------------------------------------------------------


def test_queue_capacity_must_be_positive():
    with pytest.raises(IntegrityError, match="queue_capacity_positive"), transaction.atomic():
        f.QueueFactory(capacity=0)


def test_queue_capacity_may_be_empty_or_at_least_one():
    assert f.QueueFactory(capacity=None, kind="chat").effective_capacity == 6
    assert f.QueueFactory(capacity=None, kind="voice").effective_capacity == 1
    assert f.QueueFactory(capacity=1).effective_capacity == 1


def test_a_user_is_a_member_of_a_queue_once_per_role():
    membership = f.QueueMembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.QueueMembershipFactory(queue=membership.queue, user=membership.user, role="agent")
    f.QueueMembershipFactory(queue=membership.queue, user=membership.user, role="supervisor")


def test_an_agent_has_at_most_one_open_login_per_queue():
    login = f.QueueLoginFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.QueueLoginFactory(queue=login.queue, agent=login.agent)


def test_ended_queue_logins_do_not_block_a_new_login():
    login = f.QueueLoginFactory()
    login.ended_at = timezone.now()
    login.save()
    f.QueueLoginFactory(queue=login.queue, agent=login.agent)
    other_queue = f.QueueFactory(organization=login.organization)
    f.QueueLoginFactory(queue=other_queue, agent=login.agent)
    assert m.QueueLogin.objects.filter(agent=login.agent, ended_at__isnull=True).count() == 2


# --- Skills ---------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0, 11])
def test_agent_skill_level_outside_1_to_10_is_refused(level):
    with pytest.raises(IntegrityError, match="agentskill_level_1_10"), transaction.atomic():
        f.AgentSkillFactory(level=level)


@pytest.mark.parametrize("level", [1, 10])
def test_agent_skill_levels_1_and_10_are_accepted(level):
    assert f.AgentSkillFactory(level=level).level == level


def test_an_agent_has_a_skill_once():
    agent_skill = f.AgentSkillFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.AgentSkillFactory(agent=agent_skill.agent, skill=agent_skill.skill)
    f.AgentSkillFactory(agent=agent_skill.agent)  # another skill


# --- Canned responses -----------------------------------------------------------------------


def test_public_canned_shortcuts_are_unique_in_an_organization():
    org = f.OrganizationFactory()
    f.CannedResponseFactory(organization=org, shortcut="hola")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.CannedResponseFactory(organization=org, shortcut="hola")
    f.CannedResponseFactory(organization=f.OrganizationFactory(), shortcut="hola")


def test_personal_canned_shortcuts_are_unique_per_owner():
    agent = f.AgentFactory()
    f.CannedResponseFactory(organization=agent.organization, owner=agent, shortcut="hola")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.CannedResponseFactory(organization=agent.organization, owner=agent, shortcut="hola")


def test_a_personal_shortcut_may_repeat_a_public_one_and_another_owners():
    agent = f.AgentFactory()
    colleague = f.AgentFactory(organization=agent.organization)
    public = f.CannedResponseFactory(organization=agent.organization, shortcut="hola")
    mine = f.CannedResponseFactory(organization=agent.organization, owner=agent, shortcut="hola")
    theirs = f.CannedResponseFactory(organization=agent.organization, owner=colleague, shortcut="hola")
    assert public.is_public and not mine.is_public and not theirs.is_public


# --- Contacts and conversations -------------------------------------------------------------


def test_contact_external_ids_are_unique_per_channel():
    channel = f.ChannelFactory()
    org = channel.organization
    f.ContactFactory(organization=org, channel=channel, external_id="wa-34600")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.ContactFactory(organization=org, channel=channel, external_id="wa-34600")


def test_contact_external_id_may_repeat_on_another_channel_or_be_empty():
    channel = f.ChannelFactory()
    org = channel.organization
    other_channel = f.ChannelFactory(organization=org)
    f.ContactFactory(organization=org, channel=channel, external_id="wa-34600")
    f.ContactFactory(organization=org, channel=other_channel, external_id="wa-34600")
    f.ContactFactory(organization=org, channel=channel, external_id="")
    f.ContactFactory(organization=org, channel=channel, external_id="")


def test_an_assigned_conversation_has_an_assignee():
    with pytest.raises(IntegrityError, match="conversation_assigned_has_assignee"), transaction.atomic():
        f.ConversationFactory(status=m.Conversation.Status.ASSIGNED, assignee=None)


def test_an_assigned_conversation_with_an_assignee_is_accepted():
    agent = f.AgentFactory()
    queue = f.QueueFactory(organization=agent.organization)
    conv = f.ConversationFactory(queue=queue, status=m.Conversation.Status.ASSIGNED, assignee=agent)
    assert conv.assignee == agent


@pytest.mark.parametrize("status", ["queued", "offered"])
def test_a_waiting_conversation_has_no_assignee(status):
    agent = f.AgentFactory()
    queue = f.QueueFactory(organization=agent.organization)
    with pytest.raises(IntegrityError, match="conversation_waiting_has_no_assignee"), transaction.atomic():
        f.ConversationFactory(queue=queue, status=status, assignee=agent)


@pytest.mark.parametrize("status", ["closed", "abandoned"])
def test_a_finished_conversation_may_keep_its_assignee(status):
    agent = f.AgentFactory()
    queue = f.QueueFactory(organization=agent.organization)
    assert f.ConversationFactory(queue=queue, status=status, assignee=agent).assignee == agent


def test_conversation_external_ids_are_unique_per_channel():
    channel = f.ChannelFactory()
    f.ConversationFactory(queue=channel.queue, channel=channel, external_id="call-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.ConversationFactory(queue=channel.queue, channel=channel, external_id="call-1")


def test_conversation_external_id_may_repeat_on_another_channel_or_be_empty():
    channel = f.ChannelFactory()
    other_channel = f.ChannelFactory(organization=channel.organization, queue=channel.queue)
    f.ConversationFactory(queue=channel.queue, channel=channel, external_id="call-1")
    f.ConversationFactory(queue=channel.queue, channel=other_channel, external_id="call-1")
    f.ConversationFactory(queue=channel.queue, channel=channel, external_id="")
    f.ConversationFactory(queue=channel.queue, channel=channel, external_id="")


# --- Messages -------------------------------------------------------------------------------


def test_message_external_ids_are_unique_in_an_organization():
    conv = f.ConversationFactory()
    other_conv = f.ConversationFactory(queue=conv.queue)
    f.MessageFactory(conversation=conv, external_id="wamid.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.MessageFactory(conversation=other_conv, external_id="wamid.1")


def test_message_external_id_may_repeat_in_another_organization_or_be_empty():
    conv = f.ConversationFactory()
    f.MessageFactory(conversation=conv, external_id="wamid.1")
    f.MessageFactory(conversation=f.ConversationFactory(), external_id="wamid.1")
    f.MessageFactory(conversation=conv, external_id="")
    f.MessageFactory(conversation=conv, external_id="")


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(None, None), (Decimal("40.416775"), None), (None, Decimal("-3.703790"))],
)
def test_a_location_message_has_both_coordinates(latitude, longitude):
    with pytest.raises(IntegrityError, match="message_location_has_coordinates"), transaction.atomic():
        f.MessageFactory(kind=m.Message.Kind.LOCATION, latitude=latitude, longitude=longitude)


def test_a_location_message_with_coordinates_and_a_text_message_without_are_accepted():
    f.MessageFactory(
        kind=m.Message.Kind.LOCATION, latitude=Decimal("40.416775"), longitude=Decimal("-3.703790")
    )
    f.MessageFactory(kind=m.Message.Kind.TEXT, latitude=None, longitude=None)


# --- Offers and transfers -------------------------------------------------------------------


def test_an_agent_has_one_pending_offer_per_conversation():
    offer = f.OfferFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.OfferFactory(conversation=offer.conversation, agent=offer.agent)


def test_past_offers_and_other_agents_offers_do_not_block_a_pending_offer():
    offer = f.OfferFactory(status=m.Offer.Status.EXPIRED)
    f.OfferFactory(conversation=offer.conversation, agent=offer.agent, status=m.Offer.Status.DECLINED)
    f.OfferFactory(conversation=offer.conversation, agent=offer.agent)  # pending
    colleague = f.AgentFactory(organization=offer.organization)
    f.OfferFactory(conversation=offer.conversation, agent=colleague)  # simultaneous ringing
    assert offer.conversation.offers.filter(status="pending").count() == 2


def test_a_transfer_has_a_target():
    with pytest.raises(IntegrityError, match="transfer_has_target"), transaction.atomic():
        f.TransferFactory(to_agent=None, to_queue=None)


def test_a_transfer_to_an_agent_or_to_a_queue_is_accepted():
    to_queue = f.TransferFactory(to_agent=None)
    assert to_queue.to_queue is not None
    colleague = f.AgentFactory(organization=to_queue.organization)
    to_agent = f.TransferFactory(conversation=to_queue.conversation, to_queue=None, to_agent=colleague)
    assert to_agent.to_agent == colleague


# --- Campaigns --------------------------------------------------------------------------------


def test_a_contact_is_in_a_campaign_once():
    entry = f.CampaignContactFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.CampaignContactFactory(queue=entry.queue, contact=entry.contact)
    other_campaign = f.CampaignFactory(organization=entry.organization)
    f.CampaignContactFactory(queue=other_campaign, contact=entry.contact)


def test_campaign_attempts_cannot_be_negative():
    with pytest.raises(IntegrityError), transaction.atomic():
        f.CampaignContactFactory(attempts=-1)
    assert f.CampaignContactFactory(attempts=0).attempts == 0


def test_a_campaign_contact_in_progress_has_an_agent():
    with pytest.raises(IntegrityError, match="campaign_contact_in_progress_has_agent"), transaction.atomic():
        f.CampaignContactFactory(status="in_progress", assigned_to=None)


def test_a_campaign_contact_in_progress_with_an_agent_is_accepted():
    campaign = f.CampaignFactory()
    agent = f.AgentFactory(organization=campaign.organization)
    entry = f.CampaignContactFactory(queue=campaign, status="in_progress", assigned_to=agent)
    assert entry.assigned_to == agent


def test_an_agent_works_one_contact_of_a_campaign_at_a_time():
    campaign = f.CampaignFactory()
    agent = f.AgentFactory(organization=campaign.organization)
    f.CampaignContactFactory(queue=campaign, status="in_progress", assigned_to=agent)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.CampaignContactFactory(queue=campaign, status="in_progress", assigned_to=agent)


def test_an_agent_may_have_finished_contacts_and_work_another_campaign():
    campaign = f.CampaignFactory()
    agent = f.AgentFactory(organization=campaign.organization)
    f.CampaignContactFactory(queue=campaign, status="in_progress", assigned_to=agent)
    f.CampaignContactFactory(queue=campaign, status="done", assigned_to=agent)
    f.CampaignContactFactory(queue=campaign, status="done", assigned_to=agent)
    other_campaign = f.CampaignFactory(organization=campaign.organization)
    f.CampaignContactFactory(queue=other_campaign, status="in_progress", assigned_to=agent)
    colleague = f.AgentFactory(organization=campaign.organization)
    f.CampaignContactFactory(queue=campaign, status="in_progress", assigned_to=colleague)


# --- Devices -----------------------------------------------------------------------------------


def _device(user=None, channel_name=None, user_agent="Mozilla/5.0 (X11; Linux) Chrome/130.0"):
    user = user or f.AgentFactory()
    now = timezone.now()
    return m.Device.objects.create(
        organization=user.organization,
        user=user,
        channel_name=channel_name or f"specific.{uuid.uuid4().hex}",
        user_agent=user_agent,
        connected_at=now,
        last_seen_at=now,
    )


def test_a_socket_channel_name_belongs_to_one_device():
    device = _device()
    with pytest.raises(IntegrityError), transaction.atomic():
        _device(user=device.user, channel_name=device.channel_name)
    _device(user=device.user)  # a second tab


# --- Supervision alerts -----------------------------------------------------------------------


def _alert(organization, kind="wait_over", subject_id=1):
    return m.SupervisionAlert.objects.create(organization=organization, kind=kind, subject_id=subject_id)


def test_a_supervision_alert_is_recorded_once_per_kind_and_subject():
    organization = f.OrganizationFactory()
    _alert(organization, "wait_over", 1)
    _alert(organization, "pause_over", 1)  # another kind, same subject: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        _alert(organization, "wait_over", 1)


def test_a_supervision_alert_has_a_known_kind():
    with pytest.raises(IntegrityError, match="supervision_alert_kind"), transaction.atomic():
        _alert(f.OrganizationFactory(), "coffee", 2)


# --- __str__ ----------------------------------------------------------------------------------


def _monitoring_session():
    supervisor = f.SupervisorFactory()
    agent = f.AgentFactory(organization=supervisor.organization)
    return m.MonitoringSession.objects.create(
        organization=supervisor.organization, supervisor=supervisor, agent=agent, started_at=timezone.now())


def _notification_preference():
    supervisor = f.SupervisorFactory()
    return m.NotificationPreference.objects.create(user=supervisor, organization=supervisor.organization)


def _agent_state():
    return f.AgentFactory(first_name="Ana", last_name="López").state


def _queue_hour():
    queue = f.QueueFactory()
    return m.QueueHour.objects.create(organization=queue.organization, queue=queue, hour=timezone.now(),
                                      channel_kind="webchat", medium="chat", offered=1)


def _agent_status_hour():
    agent = f.AgentFactory()
    return m.AgentStatusHour.objects.create(organization=agent.organization, agent=agent, hour=timezone.now(),
                                            status=_status(agent.organization, "ready"), microseconds=1)


def _agent_hour():
    agent = f.AgentFactory()
    return m.AgentHour.objects.create(organization=agent.organization, agent=agent, hour=timezone.now(),
                                      queue=f.QueueFactory(organization=agent.organization), medium="chat", handled=1)


def _outcome_hour():
    tag = f.TagFactory()
    return m.OutcomeHour.objects.create(organization=tag.organization, tag=tag, hour=timezone.now(),
                                        queue=f.QueueFactory(organization=tag.organization), conversations=1)


def _day_of(hour_row):
    """The day table's row with the hour row's keys (models/reports.py: a day is its hours summed)."""
    model = {m.QueueHour: m.QueueDay, m.AgentStatusHour: m.AgentStatusDay, m.AgentHour: m.AgentDay,
             m.OutcomeHour: m.OutcomeDay}[type(hour_row)]
    fields = {field.attname: getattr(hour_row, field.attname) for field in model._meta.concrete_fields
              if field.attname not in ("id", "day")}
    return model.objects.create(day=hour_row.hour.replace(hour=0, minute=0, second=0, microsecond=0), **fields)


STR_BUILDERS = {
    m.Organization: lambda: f.OrganizationFactory(),
    m.User: lambda: f.AgentFactory(first_name="", last_name=""),
    m.Queue: lambda: f.QueueFactory(),
    m.QueueMembership: lambda: f.QueueMembershipFactory(),
    m.QueueLogin: lambda: f.QueueLoginFactory(),
    m.StatusDefinition: lambda: f.PauseReasonFactory(),
    m.AgentState: _agent_state,
    m.StatusInterval: lambda: f.StatusIntervalFactory(),
    m.Skill: lambda: f.SkillFactory(),
    m.AgentSkill: lambda: f.AgentSkillFactory(),
    m.Tag: lambda: f.TagFactory(),
    m.Disposition: lambda: f.DispositionFactory(),
    m.CannedResponse: lambda: f.CannedResponseFactory(),
    m.PrerecordedMessage: lambda: f.PrerecordedMessageFactory(),
    m.Channel: lambda: f.ChannelFactory(),
    m.Contact: lambda: f.ContactFactory(name="", phone="", email=""),
    m.Conversation: lambda: f.ConversationFactory(),
    m.Message: lambda: f.MessageFactory(body=""),
    m.Attachment: lambda: f.AttachmentFactory(),
    m.Offer: lambda: f.OfferFactory(),
    m.Transfer: lambda: f.TransferFactory(),
    m.AuditEntry: lambda: f.AuditEntryFactory(),
    m.Device: lambda: _device(user_agent=""),
    m.CampaignContact: lambda: f.CampaignContactFactory(),
    m.BusinessHours: lambda: f.BusinessHoursFactory(),
    m.BusinessHoursInterval: lambda: f.BusinessHoursIntervalFactory(),
    m.Holiday: lambda: f.HolidayFactory(name=""),
    m.MonitoringSession: lambda: _monitoring_session(),
    m.SupervisionAlert: lambda: m.SupervisionAlert.objects.create(
        organization=f.OrganizationFactory(), kind=m.SupervisionAlert.Kind.WAIT_OVER, subject_id=7),
    m.QueueHour: lambda: _queue_hour(),
    m.SatisfactionRating: lambda: f.SatisfactionRatingFactory(),
    m.AgentStatusHour: lambda: _agent_status_hour(),
    m.AgentHour: _agent_hour,
    m.Schedule: lambda: f.ScheduleFactory(),
    m.ScheduleShift: lambda: f.ScheduleShiftFactory(),
    m.ScheduleBreak: lambda: f.ScheduleBreakFactory(),
    m.AgentSchedule: lambda: f.AgentScheduleFactory(),
    m.ScheduleException: lambda: f.ScheduleExceptionFactory(kind="extra_shift", starts=time(16), ends=time(20)),
    m.OutcomeHour: _outcome_hour,
    m.QueueDay: lambda: _day_of(_queue_hour()),
    m.AgentStatusDay: lambda: _day_of(_agent_status_hour()),
    m.AgentDay: lambda: _day_of(_agent_hour()),
    m.OutcomeDay: lambda: _day_of(_outcome_hour()),
    m.RollupFillState: lambda: m.RollupFillState.objects.create(table="queue_hours", filled_until=timezone.now()),
    m.StatusRule: lambda: f.StatusRuleFactory(),
    m.RuleFiring: lambda: f.RuleFiringFactory(),
    m.NotificationPreference: lambda: _notification_preference(),
}


def test_every_model_has_a_str_test():
    models = set(apps.get_app_config("contactcenter").get_models())
    assert models - set(STR_BUILDERS) == set()


@pytest.mark.parametrize("model", list(STR_BUILDERS), ids=lambda model: model.__name__)
def test_str_of_every_model_is_readable(model):
    obj = STR_BUILDERS[model]()
    obj.refresh_from_db()
    text = str(obj)
    assert isinstance(text, str)
    assert text.strip()
    assert "object (" not in text  # not Django's default "Model object (1)"


def test_str_of_a_system_status_is_its_translated_label():
    org = f.OrganizationFactory()
    assert str(_status(org, "ready")) == str(m.SystemStatus.READY.label)


def test_str_of_a_user_is_the_full_name_or_the_username():
    assert str(f.AgentFactory(first_name="Ana", last_name="López")) == "Ana López"
    assert str(f.AgentFactory(username="ana2", first_name="", last_name="")) == "ana2"


# --- Schedules --------------------------------------------------------------------------------------


def test_a_schedule_name_is_unique_in_its_organization():
    schedule = f.ScheduleFactory(name="Mañana")
    f.ScheduleFactory(name="Mañana")  # another organization
    with pytest.raises(IntegrityError), transaction.atomic():
        f.ScheduleFactory(organization=schedule.organization, name="Mañana")


def test_a_shift_weekday_is_0_to_6_and_a_break_lasts_at_least_a_minute():
    with pytest.raises(IntegrityError), transaction.atomic():
        f.ScheduleShiftFactory(weekday=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.ScheduleBreakFactory(minutes=0)


def test_an_agent_has_one_schedule_per_start_date():
    assigned = f.AgentScheduleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.AgentScheduleFactory(agent=assigned.agent, valid_from=assigned.valid_from)


def test_an_extra_shift_or_changed_hours_needs_its_times_but_a_day_off_does_not():
    f.ScheduleExceptionFactory(kind="day_off")
    for kind in ("extra_shift", "changed_hours"):
        with pytest.raises(IntegrityError), transaction.atomic():
            f.ScheduleExceptionFactory(kind=kind, starts=time(9), ends=None)


# --- Status rules and notification preferences ------------------------------------------------------


def test_a_rule_name_is_unique_in_its_organization():
    rule = f.StatusRuleFactory(name="Descanso tras 20 chats")
    f.StatusRuleFactory(name="Descanso tras 20 chats")  # another organization
    with pytest.raises(IntegrityError), transaction.atomic():
        f.StatusRuleFactory(organization=rule.organization, name="Descanso tras 20 chats")


def test_a_pause_rule_needs_its_reason_and_an_auto_reply_its_text():
    with pytest.raises(IntegrityError, match="statusrule_pause_has_reason"), transaction.atomic():
        f.StatusRuleFactory(action="pause", pause_reason=None)
    with pytest.raises(IntegrityError, match="statusrule_auto_reply_has_text"), transaction.atomic():
        f.StatusRuleFactory(trigger="queue_wait", action="auto_reply", message="")
    rule = f.StatusRuleFactory(trigger="queue_wait", threshold=60, action="auto_reply", message="Enseguida")
    assert rule.message == "Enseguida"


def test_a_rules_n_is_positive_except_minutes_over_a_pauses_maximum():
    with pytest.raises(IntegrityError, match="statusrule_threshold_positive"), transaction.atomic():
        f.StatusRuleFactory(trigger="conversations", threshold=0)
    assert f.StatusRuleFactory(trigger="pause_over", threshold=0).threshold == 0


def test_a_rule_fires_once_per_agent_and_occurrence():
    firing = f.RuleFiringFactory()
    f.RuleFiringFactory(rule=firing.rule, agent=firing.agent, occurrence=firing.occurrence - timedelta(hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        f.RuleFiringFactory(rule=firing.rule, agent=firing.agent, occurrence=firing.occurrence)


def test_a_queue_rule_fires_once_per_occurrence_and_has_one_open_occurrence_per_queue():
    rule = f.StatusRuleFactory(trigger="queue_wait", threshold=60)
    queue = f.QueueFactory(organization=rule.organization)
    start = timezone.now() - timedelta(minutes=1)
    f.RuleFiringFactory(rule=rule, agent=None, queue=queue, occurrence=start, cleared_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():  # once per occurrence
        f.RuleFiringFactory(rule=rule, agent=None, queue=queue, occurrence=start)
    f.RuleFiringFactory(rule=rule, agent=None, queue=queue, occurrence=start + timedelta(minutes=5))
    with pytest.raises(IntegrityError), transaction.atomic():  # one open occurrence
        f.RuleFiringFactory(rule=rule, agent=None, queue=queue, occurrence=start + timedelta(minutes=9))


def test_a_rule_firing_is_about_an_agent_or_a_queue():
    with pytest.raises(IntegrityError, match="rulefiring_has_subject"), transaction.atomic():
        f.RuleFiringFactory(agent=None, queue=None)


def test_a_notification_preference_has_a_known_choice():
    supervisor = f.SupervisorFactory()
    with pytest.raises(IntegrityError, match="notificationpreference_known_choice"), transaction.atomic():
        m.NotificationPreference.objects.create(user=supervisor, organization=supervisor.organization,
                                                status_changes="coffee")
