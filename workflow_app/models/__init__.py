"""All tables. Import models from here."""
from sqlalchemy import text
from sqlalchemy.engine import Engine

from .audit import AuditChainHead, AuditEvent
from .base import Base, UTCDateTime
from .org import (ApiToken, Body, Bureau, CaseAccess, Certificate, Group, LoginThrottle, Membership, User,
                  WebSession)
from .process import Deployment, ProcessVersion, RegistryFile
from .calendar import CalendarYear
from .notification import Notification
from .runtime import (DeadlineRecompute, Incident, MessageReceipt, MessageSubscription, OutboxMessage, ProcessInstance, StatutoryClockRow, TaskComment,
                      TaskRow, TimerRow)
from .intake import (Case, Complaint, ComplaintClaim, DuplicateLink, JointHearingRequest, NumberScheme,
                     NumberSequence, TransferLedgerEntry)
from .collaboration import (InterAgencyTransfer, JointHearing, JointHearingOpinion, LiaisonMeeting, MeetingActionItem,
                            MeetingSchedule, MeetingScheduleRun, SupervisedCase)
from .web import SavedFilter

__all__ = [
    "InterAgencyTransfer", "JointHearing", "JointHearingOpinion", "LiaisonMeeting", "MeetingActionItem",
    "MeetingSchedule", "MeetingScheduleRun", "SavedFilter", "SupervisedCase",
    "Case", "Complaint", "ComplaintClaim", "DuplicateLink", "JointHearingRequest", "NumberScheme",
    "NumberSequence", "TransferLedgerEntry", "SavedFilter",
    "AuditChainHead", "CaseAccess", "Certificate", "LoginThrottle", "WebSession",
    "CalendarYear", "DeadlineRecompute", "Incident", "Notification", "MessageReceipt", "StatutoryClockRow",
    "ApiToken", "AuditEvent", "Base", "Body", "Bureau", "Deployment", "Group", "Membership",
    "MessageSubscription", "OutboxMessage", "ProcessInstance", "ProcessVersion", "RegistryFile", "TaskComment", "TaskRow",
    "TimerRow", "UTCDateTime", "User", "install_triggers",
]

_SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]
_PG_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]


def install_triggers(engine: Engine) -> None:
    """Make the audit trail append-only at the database level."""
    statements = _SQLITE_TRIGGERS if engine.dialect.name == "sqlite" else _PG_TRIGGERS
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Several processes may start at once: serialise the DDL (CREATE OR REPLACE is not concurrent-safe).
            conn.execute(text("SELECT pg_advisory_xact_lock(7346001)"))
        for statement in statements:
            conn.execute(text(statement))
