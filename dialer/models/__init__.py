"""The data model: one module per concept, all re-exported here."""

from dialer.models.agents import ActivityKind, AgentActivity, AgentSession, AgentState, PauseReason
from dialer.models.audit import AuditEntry
from dialer.models.base import UTCDateTime, utcnow
from dialer.models.blacklist import BlacklistNumber
from dialer.models.callbacks import Callback
from dialer.models.calls import COMPLETED_STATUSES, Call, CallState, CallStatus, Direction
from dialer.models.campaigns import AmdAction, Campaign, CampaignAgent, CampaignStatus, DialMode
from dialer.models.contacts import Contact
from dialer.models.counters import CampaignCallHour, CampaignCounter
from dialer.models.crm import CrmLink, CrmSettings, WebhookAttempt, WebhookDelivery
from dialer.models.dispositions import Disposition, DispositionKind
from dialer.models.leads import ImportStatus, Lead, LeadImport, LeadImportRejection, LeadStatus
from dialer.models.notes import XcmReport
from dialer.models.pbx import Extension, Queue, QueueMember
from dialer.models.surveys import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyDraft,
    SurveyQuestion,
    SurveyResponse,
)
from dialer.models.tokens import ApiToken
from dialer.models.users import Role, User

__all__ = [
    "COMPLETED_STATUSES",
    "ActivityKind",
    "AgentActivity",
    "AgentSession",
    "AgentState",
    "ApiToken",
    "AuditEntry",
    "BlacklistNumber",
    "Call",
    "Callback",
    "CallState",
    "CallStatus",
    "Campaign",
    "CampaignAgent",
    "CampaignCallHour",
    "CampaignCounter",
    "CampaignStatus",
    "Contact",
    "CrmLink",
    "CrmSettings",
    "DialMode",
    "AmdAction",
    "Direction",
    "Disposition",
    "DispositionKind",
    "Extension",
    "ImportStatus",
    "Lead",
    "LeadImport",
    "LeadImportRejection",
    "LeadStatus",
    "PauseReason",
    "QuestionKind",
    "Queue",
    "QueueMember",
    "Role",
    "Survey",
    "SurveyAnswer",
    "SurveyDraft",
    "SurveyQuestion",
    "SurveyResponse",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "UTCDateTime",
    "XcmReport",
    "utcnow",
]
