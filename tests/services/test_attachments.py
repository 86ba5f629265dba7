"""Attachments (platform/files/attachments.py): adding files to a case or a task, who sees them, their bytes,
the audit trail, and linking them to another case."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from tests import file_samples as samples
from tests.conftest import FIXED_NOW
from tests.services import support
from workflow_app.domain.cases import case_file
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import Invalid, NotFound
from workflow_app.platform.files import attachments
from workflow_app.platform.identity import access


@pytest.fixture
def case(db):
    """A freshly started 金水区 inspection case (its acceptance task is in the inspectors' group)."""
    return support.start(db, business_key="F00001")


def visible(s, who, instance_id):
    """The instance as the administrator sees it, inside the caller's unit of work."""
    return access.visible_instance(s, who("admin"), instance_id)


def add(db, principal, instance_id, filename, data, **kw):
    with db.transaction() as s:
        return attachments.add(s, principal, instance_id, filename, data, **kw)


def test_a_file_added_to_a_case_is_stored_under_its_sha256(db, who, case):
    data = samples.pdf("contract")
    row = add(db, who("inspector"), case.id, "劳动合同.pdf", data, description="扫描件")
    assert (row.sha256, row.size, row.media_type) == (hashlib.sha256(data).hexdigest(), len(data), "application/pdf")
    assert (row.filename, row.kind, row.uploaded_by, row.description) == ("劳动合同.pdf", "evidence", "inspector", "扫描件")
    with db.transaction() as s:
        assert attachments.read_bytes(attachments.get(s, who("inspector"), row.id)) == data


def test_the_type_comes_from_the_content_and_the_name_gets_its_extension(db, who, case):
    row = add(db, who("inspector"), case.id, "照片.pdf", samples.png())
    assert (row.media_type, row.filename) == ("image/png", "照片.pdf.png")


def test_folders_and_reserved_characters_are_removed_from_the_name(db, who, case):
    row = add(db, who("inspector"), case.id, '..\\..\\etc/pass<wd>.pdf', samples.pdf())
    assert row.filename == "pass_wd_.pdf"


def test_a_refused_file_changes_nothing(db, who, case):
    with pytest.raises(Invalid) as refused, db.transaction() as s:
        attachments.add(s, who("inspector"), case.id, "invoice.pdf", samples.exe())
    assert refused.value.message == "不允许上传可执行程序或脚本"
    with db.transaction() as s:
        assert attachments.list_for_instance(s, who("inspector"), case.id) == []


def test_an_unknown_kind_is_refused(db, who, case):
    with pytest.raises(Invalid, match="附件类别无效"), db.transaction() as s:
        attachments.add(s, who("inspector"), case.id, "a.pdf", samples.pdf(), kind="secret")


def test_the_files_of_a_case_are_listed_newest_first(db, who, case, freeze_clock):
    first = add(db, who("inspector"), case.id, "a.pdf", samples.pdf("a"))
    freeze_clock(FIXED_NOW + timedelta(minutes=5))
    second = add(db, who("inspector2"), case.id, "b.png", samples.png())
    with db.transaction() as s:
        assert [r.id for r in attachments.list_for_instance(s, who("head"), case.id)] == [second.id, first.id]


def test_an_unrelated_inspector_neither_sees_nor_adds_files(db, who, case, colleagues):
    row = add(db, who("inspector"), case.id, "a.pdf", samples.pdf())
    outsider = who("erqi_inspector")
    with pytest.raises(NotFound), db.transaction() as s:
        attachments.get(s, outsider, row.id)
    with pytest.raises(NotFound), db.transaction() as s:
        attachments.list_for_instance(s, outsider, case.id)
    with pytest.raises(NotFound), db.transaction() as s:
        attachments.add(s, outsider, case.id, "b.pdf", samples.pdf())


def test_a_file_added_on_a_task_needs_the_task_of_that_case(db, who, case, colleagues):
    acceptance = support.task(db, case.business_key)
    row = add(db, who("inspector"), case.id, "现场照片.png", samples.png(), task_id=acceptance.id)
    assert row.task_id == acceptance.id
    with db.transaction() as s:
        assert [r.id for r in attachments.list_for_instance(s, who("inspector"), case.id, task_id=acceptance.id)] \
            == [row.id]
    other = support.start(db, business_key="F00002")
    with pytest.raises(NotFound, match="任务不存在"), db.transaction() as s:
        attachments.add(s, who("inspector"), other.id, "b.png", samples.png(), task_id=acceptance.id)


def test_each_file_is_recorded_with_its_hash_on_the_cases_audit_chain(db, who, case):
    row = add(db, who("inspector"), case.id, "劳动合同.pdf", samples.pdf())
    with db.transaction() as s:
        timeline = case_file.case_file(s, who("inspector"), case.id)["timeline"]
        report = audit.verify_chain(s, f"case:{case.business_key}")
    uploads = [e for e in timeline if e["action"] == "上传附件"]
    assert [e["detail"] for e in uploads] == [f"劳动合同.pdf（SHA-256 {row.sha256[:12]}）"]
    assert report.ok


def test_the_same_content_twice_is_two_attachments_of_one_blob(db, who, case):
    one = add(db, who("inspector"), case.id, "a.pdf", samples.pdf())
    two = add(db, who("inspector2"), case.id, "copy.pdf", samples.pdf())
    assert one.id != two.id and one.sha256 == two.sha256


def test_linking_gives_the_receiving_case_the_same_files_audited_on_both_cases(db, who, case):
    row = add(db, who("inspector"), case.id, "a.pdf", samples.pdf())
    receiving = support.start(db, business_key="F00003")
    with db.transaction() as s:
        source, target = visible(s, who, case.id), visible(s, who, receiving.id)
        linked = attachments.link_to_instance(s, "inspector", source, target, [row.id])
    assert [(r.instance_id, r.sha256, r.source_attachment_id) for r in linked] == [(receiving.id, row.sha256, row.id)]
    with db.transaction() as s:
        received = attachments.list_for_instance(s, who("admin"), receiving.id)
        assert attachments.read_bytes(received[0]) == samples.pdf()
        sent_actions = [e["action"] for e in case_file.case_file(s, who("admin"), case.id)["timeline"]]
        got_actions = [e["action"] for e in case_file.case_file(s, who("admin"), receiving.id)["timeline"]]
    assert "随移送发送附件" in sent_actions and "接收移送附件" in got_actions


def test_only_files_of_the_sending_case_can_be_linked(db, who, case):
    receiving = support.start(db, business_key="F00004")
    foreign = add(db, who("inspector"), receiving.id, "other.pdf", samples.pdf())
    with pytest.raises(Invalid, match="所选附件不属于本案件"), db.transaction() as s:
        attachments.link_to_instance(s, "inspector", visible(s, who, case.id),
                                     visible(s, who, receiving.id), [foreign.id])


