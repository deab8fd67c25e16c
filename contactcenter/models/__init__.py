from .agents import NO_ANSWER_CODE, AgentState, StatusDefinition, StatusInterval, StatusSource, SystemStatus
from .audit import AuditEntry
from .campaigns import CampaignContact
from .catalog import AgentSkill, CannedResponse, Disposition, PrerecordedMessage, Skill, Tag
from .conversations import Attachment, Channel, Contact, Conversation, Message, Offer, Transfer
from .devices import Device
from .organizations import ADMIN_ROLES, SUPERVISING_ROLES, Organization, Role, User
from .queues import Queue, QueueLogin, QueueMembership

__all__ = [
    "ADMIN_ROLES",
    "NO_ANSWER_CODE",
    "SUPERVISING_ROLES",
    "AgentSkill",
    "AgentState",
    "Attachment",
    "AuditEntry",
    "CampaignContact",
    "CannedResponse",
    "Channel",
    "Contact",
    "Conversation",
    "Device",
    "Disposition",
    "Message",
    "Offer",
    "Organization",
    "PrerecordedMessage",
    "Queue",
    "QueueLogin",
    "QueueMembership",
    "Role",
    "Skill",
    "StatusDefinition",
    "StatusInterval",
    "StatusSource",
    "SystemStatus",
    "Tag",
    "Transfer",
    "User",
]
