"""One factory per model. Organizations come with their system statuses; users with their
agent state (Offline), as the services create them."""

import uuid
from datetime import date, time, timedelta

import factory
from django.utils import timezone

from contactcenter import models as m
from contactcenter.services import devices
from contactcenter.services import organizations as org_services


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")

    @factory.post_generation
    def defaults(obj, create, extracted, **kwargs):
        if create:
            org_services.organization_setup_defaults(organization=obj)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.User
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="es_ES")
    last_name = factory.Faker("last_name", locale="es_ES")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = m.Role.AGENT
    password = factory.django.Password("demo")

    @factory.post_generation
    def state(obj, create, extracted, **kwargs):
        if create:
            org_services.user_setup_defaults(user=obj)


class AgentFactory(UserFactory):
    role = m.Role.AGENT


class SupervisorFactory(UserFactory):
    role = m.Role.SUPERVISOR


class AdminFactory(UserFactory):
    role = m.Role.ADMIN


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Skill

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Skill {n}")


class AgentSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.AgentSkill

    agent = factory.SubFactory(AgentFactory)
    organization = factory.SelfAttribute("agent.organization")
    skill = factory.SubFactory(SkillFactory, organization=factory.SelfAttribute("..organization"))
    level = 5


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Queue
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Queue {n}")
    kind = m.Queue.Kind.CHAT


class QueueMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.QueueMembership

    queue = factory.SubFactory(QueueFactory)
    organization = factory.SelfAttribute("queue.organization")
    user = factory.SubFactory(AgentFactory, organization=factory.SelfAttribute("..organization"))
    role = m.QueueMembership.Role.AGENT
    position = factory.Sequence(lambda n: n)


class QueueLoginFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.QueueLogin

    queue = factory.SubFactory(QueueFactory)
    organization = factory.SelfAttribute("queue.organization")
    agent = factory.SubFactory(AgentFactory, organization=factory.SelfAttribute("..organization"))
    started_at = factory.LazyFunction(timezone.now)


class StatusDefinitionFactory(factory.django.DjangoModelFactory):
    """A pause reason."""

    class Meta:
        model = m.StatusDefinition

    organization = factory.SubFactory(OrganizationFactory)
    kind = m.StatusDefinition.Kind.PAUSE
    name = factory.Sequence(lambda n: f"Pausa {n}")
    code = factory.Sequence(lambda n: f"pause-{n}")
    max_minutes = 15


PauseReasonFactory = StatusDefinitionFactory


class StatusIntervalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.StatusInterval

    agent = factory.SubFactory(AgentFactory)
    organization = factory.SelfAttribute("agent.organization")
    status = factory.LazyAttribute(
        lambda o: m.StatusDefinition.objects.get(organization=o.organization, code="ready")
    )
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    ended_at = factory.LazyFunction(timezone.now)
    source = m.StatusSource.AGENT


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Channel

    organization = factory.SubFactory(OrganizationFactory)
    kind = m.Channel.Kind.WEBCHAT
    name = factory.Sequence(lambda n: f"Channel {n}")
    queue = factory.SubFactory(QueueFactory, organization=factory.SelfAttribute("..organization"))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Contact

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Faker("name", locale="es_ES")
    phone = factory.Sequence(lambda n: f"+3460000{n:04d}")


class ConversationFactory(factory.django.DjangoModelFactory):
    """A queued conversation (use the services to assign or close it)."""

    class Meta:
        model = m.Conversation
        skip_postgeneration_save = True

    queue = factory.SubFactory(QueueFactory)
    organization = factory.SelfAttribute("queue.organization")
    contact = factory.SubFactory(ContactFactory, organization=factory.SelfAttribute("..organization"))
    enqueued_at = factory.LazyFunction(timezone.now)
    medium = factory.LazyAttribute(lambda o: "chat" if o.queue.kind == "chat" else "voice")


class SatisfactionRatingFactory(factory.django.DjangoModelFactory):
    """A survey asked now, not answered yet (pass score and answered_at for an answer)."""

    class Meta:
        model = m.SatisfactionRating

    conversation = factory.SubFactory(ConversationFactory, status="closed")
    organization = factory.SelfAttribute("conversation.organization")
    queue = factory.SelfAttribute("conversation.queue")
    agent = factory.SelfAttribute("conversation.assignee")
    channel_kind = "webchat"
    asked_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.asked_at + timedelta(hours=24))


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Message

    conversation = factory.SubFactory(ConversationFactory)
    organization = factory.SelfAttribute("conversation.organization")
    direction = m.Message.Direction.INBOUND
    body = factory.Faker("sentence", locale="es_ES")
    created_at = factory.LazyFunction(timezone.now)


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Attachment

    message = factory.SubFactory(MessageFactory)
    organization = factory.SelfAttribute("message.organization")
    file = factory.django.FileField(filename="nota.txt", data=b"hola")
    kind = m.Attachment.Kind.DOCUMENT
    content_type = "text/plain"
    size = 4
    original_name = "nota.txt"


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Offer

    conversation = factory.SubFactory(ConversationFactory)
    organization = factory.SelfAttribute("conversation.organization")
    agent = factory.SubFactory(AgentFactory, organization=factory.SelfAttribute("..organization"))
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(seconds=20))


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Tag

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"tag-{n}")


class DispositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Disposition

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Resultado {n}")


class CannedResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.CannedResponse

    organization = factory.SubFactory(OrganizationFactory)
    shortcut = factory.Sequence(lambda n: f"saludo{n}")
    title = "Saludo"
    body = "Hola, ¿en qué puedo ayudarte?"


class PrerecordedMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.PrerecordedMessage

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Mensaje {n}")


class TransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Transfer

    conversation = factory.SubFactory(ConversationFactory)
    organization = factory.SelfAttribute("conversation.organization")
    from_agent = factory.SubFactory(AgentFactory, organization=factory.SelfAttribute("..organization"))
    to_queue = factory.SelfAttribute("conversation.queue")
    mode = m.Transfer.Mode.BLIND
    created_at = factory.LazyFunction(timezone.now)


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.AuditEntry

    organization = factory.SubFactory(OrganizationFactory)
    action = "test.action"


class CampaignFactory(QueueFactory):
    """A queue of kind campaign."""

    name = factory.Sequence(lambda n: f"Campaña {n}")
    kind = m.Queue.Kind.CAMPAIGN


class CampaignContactFactory(factory.django.DjangoModelFactory):
    """A pending contact of a campaign."""

    class Meta:
        model = m.CampaignContact

    queue = factory.SubFactory(CampaignFactory)
    organization = factory.SelfAttribute("queue.organization")
    contact = factory.SubFactory(ContactFactory, organization=factory.SelfAttribute("..organization"))
    position = factory.Sequence(lambda n: n)


class BusinessHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.BusinessHours

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Horario {n}")


class BusinessHoursIntervalFactory(factory.django.DjangoModelFactory):
    """Monday 09:00–18:00 unless told otherwise."""

    class Meta:
        model = m.BusinessHoursInterval

    hours = factory.SubFactory(BusinessHoursFactory)
    organization = factory.SelfAttribute("hours.organization")
    weekday = 0
    opens = time(9)
    closes = time(18)


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Holiday

    hours = factory.SubFactory(BusinessHoursFactory)
    organization = factory.SelfAttribute("hours.organization")
    date = factory.LazyFunction(lambda: timezone.localdate())
    name = "Festivo"


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Schedule

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Turno {n}")


class ScheduleShiftFactory(factory.django.DjangoModelFactory):
    """Monday 08:00–15:00 unless told otherwise."""

    class Meta:
        model = m.ScheduleShift

    schedule = factory.SubFactory(ScheduleFactory)
    organization = factory.SelfAttribute("schedule.organization")
    weekday = 0
    starts = time(8)
    ends = time(15)


class ScheduleBreakFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ScheduleBreak

    shift = factory.SubFactory(ScheduleShiftFactory)
    organization = factory.SelfAttribute("shift.organization")
    starts = time(11, 30)
    minutes = 30
    pause = factory.LazyAttribute(lambda b: m.StatusDefinition.objects.filter(
        organization=b.organization, kind="pause").first() or PauseReasonFactory(organization=b.organization))


class AgentScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.AgentSchedule

    agent = factory.SubFactory(AgentFactory)
    organization = factory.SelfAttribute("agent.organization")
    schedule = factory.SubFactory(ScheduleFactory, organization=factory.SelfAttribute("..organization"))
    valid_from = date(2020, 1, 1)


class ScheduleExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ScheduleException

    agent = factory.SubFactory(AgentFactory)
    organization = factory.SelfAttribute("agent.organization")
    date = date(2027, 3, 1)
    kind = m.ScheduleException.Kind.DAY_OFF


class StatusRuleFactory(factory.django.DjangoModelFactory):
    """Every queue, "when an agent missed 2 offers in a row, notify the supervisors" unless told
    otherwise; `queues=[...]` names its queues."""

    class Meta:
        model = m.StatusRule
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Regla {n}")
    trigger = m.StatusRule.Trigger.MISSED_OFFERS
    threshold = 2
    action = m.StatusRule.Action.NOTIFY

    @factory.post_generation
    def queues(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.queues.set(extracted)


class RuleFiringFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.RuleFiring

    rule = factory.SubFactory(StatusRuleFactory)
    organization = factory.SelfAttribute("rule.organization")
    agent = factory.SubFactory(AgentFactory, organization=factory.SelfAttribute("..organization"))
    occurrence = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
    fired_at = factory.LazyFunction(timezone.now)
    outcome = m.RuleFiring.Outcome.APPLIED


def open_workspace(agent) -> m.Device:
    """The agent has the workspace open in a browser (a connected device), as a person at their
    desk does: calls ring only there."""
    return devices.device_connect(user=agent, channel_name=f"test.{agent.pk}.{uuid.uuid4().hex}",
                                  user_agent="Mozilla/5.0 Chrome/156 (test)")
