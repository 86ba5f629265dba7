"""The workflow platform's tables (the labour-rights tables live in their feature folders under domain/)."""
from sqlalchemy import text
from sqlalchemy.engine import Engine

from workflow_app.platform.persistence.models.attachment import Attachment
from workflow_app.platform.persistence.models.audit import AuditChainHead, AuditEvent
from workflow_app.platform.persistence.models.base import Base, UTCDateTime
from workflow_app.platform.persistence.models.org import (
    ApiToken,
    Body,
    Bureau,
    CaseAccess,
    Certificate,
    Group,
    LoginThrottle,
    Membership,
    User,
    WebSession,
)
from workflow_app.platform.persistence.models.process import (
    Deployment,
    ProcessDraft,
    ProcessDraftFile,
    ProcessPublication,
    ProcessVersion,
    RegistryFile,
)
from workflow_app.platform.persistence.models.calendar_year import CalendarYear
from workflow_app.platform.persistence.models.document import DocumentService, IssuedDocument
from workflow_app.platform.persistence.models.notification import Notification
from workflow_app.platform.persistence.models.numbering import NumberScheme, NumberSequence
from workflow_app.platform.persistence.models.runtime import (
    DeadlineRecompute,
    Incident,
    MessageReceipt,
    MessageSubscription,
    OutboxMessage,
    ProcessInstance,
    StatutoryClockRow,
    TaskComment,
    TaskRow,
    TimerRow,
)
from workflow_app.platform.persistence.models.inbox_filter import SavedFilter
from workflow_app.platform.persistence.models.migration_run import MigrationResult, MigrationRun

__all__ = [
    "ApiToken", "Attachment", "AuditChainHead", "AuditEvent", "Base", "Body", "Bureau", "CalendarYear", "CaseAccess",
    "Certificate", "DeadlineRecompute", "Deployment", "DocumentService", "Group", "Incident", "IssuedDocument",
    "LoginThrottle", "Membership", "MigrationResult", "MigrationRun", "MessageReceipt", "MessageSubscription", "Notification", "NumberScheme",
    "NumberSequence", "OutboxMessage", "ProcessInstance", "ProcessDraft", "ProcessDraftFile", "ProcessPublication", "ProcessVersion", "RegistryFile",
    "SavedFilter", "StatutoryClockRow", "TaskComment", "TaskRow", "TimerRow", "UTCDateTime", "User", "WebSession",
    "install_triggers",
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
