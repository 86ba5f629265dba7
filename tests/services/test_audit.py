"""The audit trail (``platform/audit/trail.py``): events chained per case at commit, personal data masked,
verification that names the first tampered event. Tampering itself needs the table's append-only triggers
out of the way: the ``tamper`` fixture drops them for one statement, as an attacker with database access
would, and restores them."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.intake.helpers import id_number
from tests.services import support
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.identity import access
from workflow_app.platform.persistence.models import AuditEvent, install_triggers
from workflow_app.platform.tasks import inbox

CHAIN = "case:AUD-1"


@pytest.fixture
def worked_case(db, who):
    """A case with four events on its chain: start, clock start, claim, comment."""
    support.start(db, business_key="AUD-1")
    row = support.claim(db, "inspector", support.task(db, "AUD-1").id)
    with db.transaction() as s:
        inbox.add_comment(s, who("inspector"), row.id, "已联系单位")
    return row


@pytest.fixture
def tamper(db):
    def run(sql: str, **params):
        with db.engine.begin() as conn:
            if db.is_sqlite:
                conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
                conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
            else:
                conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event"))
            conn.execute(text(sql), {"chain": CHAIN, **params})
        install_triggers(db.engine)
    return run


def verify(db, chain_key: str = CHAIN) -> audit.ChainReport:
    with db.transaction() as s:
        return audit.verify_chain(s, chain_key)


def test_the_events_of_a_case_form_one_verified_chain(db, worked_case):
    report = verify(db)
    assert (report.ok, report.events_checked) == (True, 4)
    with db.transaction() as s:
        assert all(r.ok for r in audit.verify_all(s))


def test_a_rolled_back_use_case_leaves_no_event(db, worked_case):
    with pytest.raises(RuntimeError), db.transaction() as s:
        audit.record(s, "inspector", "task.comment", "task", worked_case.id, business_key="AUD-1", after={"x": 1})
        raise RuntimeError("the use case failed after recording")
    assert verify(db).events_checked == 4


def test_an_event_of_no_case_goes_on_the_global_chain(db):
    with db.transaction() as s:
        event = audit.record(s, "admin", "user.create", "user", "newcomer", after={"display_name": "新同事"})
    assert event.chain_key == audit.GLOBAL_CHAIN and verify(db, audit.GLOBAL_CHAIN).ok


def test_identity_and_phone_numbers_are_masked_before_they_are_stored(db):
    number = id_number(3)
    with db.transaction() as s:
        event = audit.record(s, "clerk", "complaint.register", "complaint", 1, business_key="MASK-1",
                             after={"complainant_id_number": number, "phone": "13812345678"},
                             detail=f"投诉人身份证号 {number}")
    assert number not in str(event.after) and "13812345678" not in str(event.after)
    assert number not in event.detail


def test_the_audit_table_refuses_changes_to_a_stored_event(db, worked_case):
    with pytest.raises(DBAPIError), db.transaction() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.chain_key == CHAIN, AuditEvent.seq == 1))
        event.action = "nothing.happened"


def test_a_modified_event_is_named_as_the_first_tampered_one(db, worked_case, tamper):
    tamper("UPDATE audit_event SET actor = 'someone_else' WHERE chain_key = :chain AND seq = 3")
    report = verify(db)
    assert (report.ok, report.first_tampered_seq) == (False, 3)
    assert "modified" in report.reason


def test_an_event_removed_from_the_middle_breaks_the_sequence(db, worked_case, tamper):
    tamper("DELETE FROM audit_event WHERE chain_key = :chain AND seq = 2")
    report = verify(db)
    assert (report.ok, report.first_tampered_seq) == (False, 3)
    assert "sequence broken" in report.reason


def test_an_event_removed_from_the_end_is_detected_by_the_chain_head(db, worked_case, tamper):
    tamper("DELETE FROM audit_event WHERE chain_key = :chain AND seq = 4")
    report = verify(db)
    assert report.ok is False and "removed from the end" in report.reason


def test_the_events_of_a_case_are_read_only_by_those_who_see_the_case(db, who, worked_case):
    def readable(username):
        principal = who(username)
        with db.transaction() as s:
            return len(s.scalars(select(AuditEvent.id).where(AuditEvent.chain_key == CHAIN,
                                                              access.audit_visibility(s, principal))).all())
    assert readable("head") == 4
    assert readable("clerk") == 0
