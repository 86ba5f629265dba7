"""Builders for the service tests: who acts, cases to act on, and the steps a case goes through.

Each builder runs its use case in its own unit of work (``in_transaction``, as the API does) through the
services' public functions, so a test reads as the sequence of use cases it exercises.
"""
from __future__ import annotations

from tests.intake.helpers import registration
from tests.samples import form_bytes
from workflow_app.domain.intake import queries, registration as intake
from workflow_app.platform.identity import access, directory as identity
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.messaging import outbox
from workflow_app.platform.persistence.database import Database, in_transaction
from workflow_app.platform.persistence.models import ProcessInstance, TaskRow
from workflow_app.platform.processes import registry
from workflow_app.platform.runtime import instances as runtime
from workflow_app.platform.tasks import inbox
from workflow_app.platform.tasks.inbox import TaskFilter

#: When the cases of these tests were received: an hour before the frozen instant (Friday 2026-11-20).
RECEIVED_AT = "2026-11-20T09:00:00+08:00"


def principal(db: Database, username: str) -> Principal:
    with db.transaction() as s:
        return identity.principal_by_username(s, username)


# ------------------------------------------------------------------------------------------------
# Processes and instances
# ------------------------------------------------------------------------------------------------

def deploy(db: Database, files: dict[str, str | bytes], actor: str = "owner", with_test_form: bool = True):
    """Deploy definition files (text or bytes) beside the test form ``t_form.json``; returns the DeployResult."""
    encoded = {name: content.encode() if isinstance(content, str) else content for name, content in files.items()}
    if with_test_form:
        encoded = {"t_form.json": form_bytes(), **encoded}
    return in_transaction(db, lambda s: registry.deploy(s, encoded, actor))


def start(db: Database, process_key: str = "inspection_case", business_key: str = "T00001",
          jurisdiction: str = "zz-jinshui", username: str = "admin", **variables) -> ProcessInstance:
    """Start a process as ``username`` (the administrator by default), as ``POST /api/instances`` does."""
    variables = {"urgent": False, "received_at": RECEIVED_AT, "employer_name": "测试用人单位", **variables}
    who = principal(db, username)
    return in_transaction(db, lambda s: runtime.start_instance(
        s, who, process_key, business_key, jurisdiction, variables, employer_name=variables["employer_name"]))


def tasks(db: Database, business_key: str, username: str = "admin", status: str | None = "open") -> list[TaskRow]:
    """The tasks of a case that ``username`` sees (the administrator sees every task of the city)."""
    who = principal(db, username)
    rows, _ = in_transaction(db, lambda s: inbox.list_tasks(
        s, who, TaskFilter(business_key=business_key, status=status), sort="created_at", per_page=200))
    return rows


def task(db: Database, business_key: str, name: str | None = None, username: str = "admin") -> TaskRow:
    """The one open task of a case (named ``name`` when the case has several)."""
    found = [t for t in tasks(db, business_key, username) if name is None or t.name == name]
    assert len(found) == 1, f"{username} sees open tasks {[t.name for t in tasks(db, business_key, username)]}"
    return found[0]


def claim(db: Database, username: str, task_id: str) -> TaskRow:
    who = principal(db, username)
    return in_transaction(db, lambda s: inbox.claim(s, who, task_id))


def complete(db: Database, username: str, task_id: str, data: dict) -> TaskRow:
    who = principal(db, username)
    return in_transaction(db, lambda s: runtime.complete_task(s, who, task_id, data))


def work(db: Database, username: str, business_key: str, name: str, data: dict) -> TaskRow:
    """Claim the open task ``name`` of a case and complete it with ``data``."""
    row = task(db, business_key, name, username)
    claim(db, username, row.id)
    return complete(db, username, row.id, data)


def instance(db: Database, instance_id: int) -> ProcessInstance:
    """The instance as the administrator sees it (``access.visible_instance``)."""
    who = principal(db, "admin")
    return in_transaction(db, lambda s: access.visible_instance(s, who, instance_id))


def deliver_messages(db: Database, passes: int = 10) -> int:
    """Deliver what the outbox holds, as the worker does after each commit; returns how many were delivered."""
    delivered = 0
    for _ in range(passes):
        ids = in_transaction(db, lambda s: outbox.pending_ids(s, 50))
        done = sum(1 for message_id in ids if outbox.deliver(db, message_id))
        delivered += done
        if not done:
            break
    return delivered


# ------------------------------------------------------------------------------------------------
# Intake
# ------------------------------------------------------------------------------------------------

def register(db: Database, *claims, clerk: str = "clerk", **overrides) -> dict:
    """Register a complaint at the window (``registration.register``); returns its complaint document."""
    who = principal(db, clerk)
    data = registration(*claims, **overrides)

    def run(s):
        complaint = intake.register(s, who, data)
        s.flush()
        return queries.complaint_dict(s, complaint)
    return in_transaction(db, run)


def open_cases(db: Database, *claims, **overrides) -> dict[str, dict]:
    """Register a complaint at the 金水 window; returns the cases it opened, by handling body."""
    return {case["body"]: case for case in register(db, *claims, **overrides)["cases"]}


def complaint(db: Database, complaint_id: int, username: str = "clerk") -> dict:
    who = principal(db, username)
    return in_transaction(db, lambda s: queries.complaint_dict(s, queries.visible_complaint(s, who, complaint_id)))


def case(db: Database, case_id: int, username: str = "admin") -> dict:
    who = principal(db, username)
    return in_transaction(db, lambda s: queries.case_dict(s, queries.visible_case(s, who, case_id), detail=True))
