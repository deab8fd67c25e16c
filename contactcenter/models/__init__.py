from .agents import NO_ANSWER_CODE, AgentState, StatusDefinition, StatusInterval, StatusSource, SystemStatus
from .audit import AuditEntry
from .business_hours import BusinessHours, BusinessHoursInterval, Holiday
from .campaigns import CampaignContact
from .catalog import AgentSkill, CannedResponse, Disposition, PrerecordedMessage, Skill, Tag
from .conversations import Attachment, Channel, Contact, Conversation, Message, Offer, Transfer
from .csat import SatisfactionRating
from .devices import Device
from .organizations import ADMIN_ROLES, SUPERVISING_ROLES, Organization, Role, User
from .queues import Queue, QueueLogin, QueueMembership
from .reports import (
    AgentDay,
    AgentHour,
    AgentStatusDay,
    AgentStatusHour,
    OutcomeDay,
    OutcomeHour,
    QueueDay,
    QueueHour,
    RollupFillState,
)
from .rules import RuleFiring, StatusRule
from .schedules import AgentSchedule, Schedule, ScheduleBreak, ScheduleException, ScheduleShift
from .supervision import MonitoringSession, NotificationPreference, SupervisionAlert

__all__ = [
    "ADMIN_ROLES",
    "NO_ANSWER_CODE",
    "SUPERVISING_ROLES",
    "AgentSchedule",
    "AgentSkill",
    "AgentState",
    "AgentDay",
    "AgentHour",
    "AgentStatusDay",
    "AgentStatusHour",
    "Attachment",
    "AuditEntry",
    "BusinessHours",
    "BusinessHoursInterval",
    "CampaignContact",
    "CannedResponse",
    "Channel",
    "Contact",
    "Conversation",
    "Device",
    "Disposition",
    "Holiday",
    "Message",
    "MonitoringSession",
    "NotificationPreference",
    "Offer",
    "Organization",
    "PrerecordedMessage",
    "Queue",
    "OutcomeDay",
    "OutcomeHour",
    "QueueDay",
    "QueueHour",
    "QueueLogin",
    "QueueMembership",
    "Role",
    "SatisfactionRating",
    "RollupFillState",
    "RuleFiring",
    "Schedule",
    "ScheduleBreak",
    "ScheduleException",
    "ScheduleShift",
    "Skill",
    "StatusDefinition",
    "StatusInterval",
    "StatusRule",
    "StatusSource",
    "SupervisionAlert",
    "SystemStatus",
    "Tag",
    "Transfer",
    "User",
]
