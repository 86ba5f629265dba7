"""Publishing drafts: four eyes, the checks before publishing, restore, the version list
(platform/modelling/publication.py, docs/workspace.md "Publication")."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from workflow_app.platform.errors import Conflict, DefinitionRejected, Forbidden, Invalid
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.modelling import diff, drafts, publication
from workflow_app.platform.persistence.models import AuditEvent, ProcessPublication, ProcessVersion
from workflow_app.platform.processes import registry

OLD_LABEL = '<outputEntry id="issue_catalog_r1_o1"><text>"拖欠工资"</text>'.encode()
NEW_LABEL = '<outputEntry id="issue_catalog_r1_o1"><text>"拖欠劳动报酬"</text>'.encode()
DISTRICT_OWNER = Principal("district_owner", "区流程管理员", frozenset({"zz-jinshui/bureau/process_owner"}))


@pytest.fixture
def four_eyes_off():
    publication.configure(0)
    yield
    publication.configure(1)


def _edited_draft(db, who, replace=(OLD_LABEL, NEW_LABEL), by="owner") -> int:
    with db.transaction() as s:
        draft = drafts.create_draft(s, who(by), "", "intake_triage")
        content = drafts.draft_file(s, draft, "issue_codes.dmn")
        assert replace[0] in content
        drafts.save_file(s, who(by), draft.id, "issue_codes.dmn", content.replace(*replace), 0)
        if replace == (OLD_LABEL, NEW_LABEL):  # the shipped decision test pins the label: change it too
            tests = drafts.draft_file(s, draft, "issue_codes.test.json")
            drafts.save_file(s, who(by), draft.id, "issue_codes.test.json",
                             tests.replace('"claim_class.label": "拖欠工资"'.encode(), '"claim_class.label": "拖欠劳动报酬"'.encode()), 1)
        return draft.id


def _latest(db):
    with db.transaction() as s:
        latest = registry.latest_version(s, "intake_triage")
        return latest.version, json.loads(latest.files_json)["dmn"]["issue_codes.dmn"]


def _actions(db, draft_id) -> list[str]:
    with db.transaction() as s:
        return list(s.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "process_draft",
                                                              AuditEvent.entity_id == str(draft_id))
                              .order_by(AuditEvent.id)))


def test_a_submission_waits_for_a_second_owner_who_publishes_it(db, who):
    version, _ = _latest(db)
    draft_id = _edited_draft(db, who)
    with db.transaction() as s:
        request = publication.submit(s, who("owner"), draft_id, "诉求名称改为“拖欠劳动报酬”")
        assert request.status == "submitted"
        assert drafts.get_draft(s, who("owner"), draft_id).status == "submitted"
    assert _latest(db)[0] == version  # nothing deployed yet
    with pytest.raises(Conflict), db.transaction() as s:  # a submitted draft is not editable
        drafts.save_file(s, who("owner"), draft_id, "issue_codes.dmn", b"<x/>", None)
    with pytest.raises(Forbidden, match="另一位流程管理员"), db.transaction() as s:
        publication.approve(s, who("owner"), draft_id)
    with db.transaction() as s:
        request = publication.approve(s, who("owner2"), draft_id)
        assert request.status == "published" and request.approved_by == "owner2"
    new_version, dmn = _latest(db)
    assert new_version == version + 1 and "拖欠劳动报酬" in dmn
    with db.transaction() as s:
        assert drafts.get_draft(s, who("owner"), draft_id).status == "published"
        listed = publication.version_list(s, who("owner"), "intake_triage")[0]
    assert listed["version"] == new_version and listed["comment"] == "诉求名称改为“拖欠劳动报酬”"
    assert (listed["submitted_by"], listed["approved_by"], listed["deployed_by"]) == ("owner", "owner2", "owner2")
    assert listed["source"] == "workspace" and listed["running_instances"] == 0
    assert _actions(db, draft_id)[-2:] == ["draft.submit", "draft.publish"]


def test_without_four_eyes_the_submitter_publishes_directly_still_checked(db, who, four_eyes_off):
    version, _ = _latest(db)
    draft_id = _edited_draft(db, who)
    with db.transaction() as s:
        request = publication.submit(s, who("owner"), draft_id, "直接发布")
        assert request.status == "published" and request.approved_by == "owner" and request.approvals == 0
    assert _latest(db)[0] == version + 1
    broken = _edited_draft(db, who, (NEW_LABEL, NEW_LABEL.replace(b'"</text>', b"</text>")))
    with pytest.raises(DefinitionRejected), db.transaction() as s:
        publication.submit(s, who("owner"), broken, "坏的")
    assert _latest(db)[0] == version + 1


def test_without_four_eyes_a_district_owner_still_cannot_publish(db, who, four_eyes_off):
    draft_id = _edited_draft(db, who)
    with pytest.raises(Forbidden), db.transaction() as s:
        publication.submit(s, DISTRICT_OWNER, draft_id, "区里发布")


def test_a_draft_whose_tests_fail_cannot_be_submitted_and_the_failing_test_is_named(db, who):
    # T1 = 30 000 is outside the statutory range [5 000, 20 000] (the shipped check "T1 在法定区间")
    with db.transaction() as s:
        draft = drafts.create_draft(s, who("owner"), "", "intake_triage")
        content = drafts.draft_file(s, draft, "criminal_thresholds.dmn")
        assert b"<text>10000</text>" in content
        drafts.save_file(s, who("owner"), draft.id, "criminal_thresholds.dmn",
                         content.replace(b"<text>10000</text>", b"<text>30000</text>"), 0)
        draft_id = draft.id
    with pytest.raises(DefinitionRejected) as refused, db.transaction() as s:
        publication.submit(s, who("owner"), draft_id, "改阈值")
    assert "T1 在法定区间" in refused.value.message and "T1 在法定区间" in refused.value.detail
    assert "T1 在法定区间" in [problem["test"] for problem in refused.value.extra["problems"]]
    with db.transaction() as s:
        assert drafts.get_draft(s, who("owner"), draft_id).status == "editing"
        assert s.scalars(select(ProcessPublication)).all() == []


def test_a_draft_with_validation_errors_cannot_be_submitted(db, who):
    draft_id = _edited_draft(db, who, (OLD_LABEL, OLD_LABEL.replace(b'"</text>', b"</text>")))
    with pytest.raises(DefinitionRejected) as refused, db.transaction() as s:
        publication.submit(s, who("owner"), draft_id, "坏的")
    assert "issue_codes.dmn" in refused.value.message
    assert refused.value.extra["problems"][0]["element"] == "issue_catalog_r1_o1"
    with db.transaction() as s:
        assert drafts.get_draft(s, who("owner"), draft_id).status == "editing"


def test_a_comment_is_required_and_an_unchanged_draft_has_nothing_to_publish(db, who):
    draft_id = _edited_draft(db, who)
    with pytest.raises(Invalid), db.transaction() as s:
        publication.submit(s, who("owner"), draft_id, "  ")
    with db.transaction() as s:
        empty = drafts.create_draft(s, who("owner"), "", "intake_triage").id
    with pytest.raises(Invalid, match="没有任何修改"), db.transaction() as s:
        publication.submit(s, who("owner"), empty, "空")


def test_files_changed_underneath_are_refused_at_submission_and_at_approval(db, who):
    draft_id = _edited_draft(db, who)
    with db.transaction() as s:
        publication.submit(s, who("owner"), draft_id, "改名称")
    with db.transaction() as s:  # meanwhile someone deploys another version of the same file
        current = drafts.draft_file(s, drafts.create_draft(s, who("owner2"), "x"), "issue_codes.dmn")
        registry.deploy(s, {"issue_codes.dmn": current + b"\n"}, "owner2")
    version, _ = _latest(db)
    with pytest.raises(Conflict, match="issue_codes.dmn"), db.transaction() as s:
        publication.approve(s, who("owner2"), draft_id)
    assert _latest(db)[0] == version
    with db.transaction() as s:
        assert drafts.get_draft(s, who("owner"), draft_id).status == "submitted"


def test_only_an_owner_of_the_top_level_bureau_approves_or_rejects(db, who):
    draft_id = _edited_draft(db, who)
    with db.transaction() as s:
        publication.submit(s, who("owner"), draft_id, "改名称")
    for action in (lambda s: publication.approve(s, DISTRICT_OWNER, draft_id),
                   lambda s: publication.reject(s, DISTRICT_OWNER, draft_id, "不行")):
        with pytest.raises(Forbidden, match="最高一级"), db.transaction() as s:
            action(s)
    with pytest.raises(Forbidden), db.transaction() as s:
        publication.approve(s, who("clerk"), draft_id)


def test_a_rejection_names_its_reason_and_returns_the_draft_for_editing(db, who):
    draft_id = _edited_draft(db, who)
    with db.transaction() as s:
        publication.submit(s, who("owner"), draft_id, "改名称")
    with pytest.raises(Invalid), db.transaction() as s:
        publication.reject(s, who("owner2"), draft_id, "")
    with pytest.raises(Forbidden), db.transaction() as s:
        publication.reject(s, who("owner"), draft_id, "自己退回")
    with db.transaction() as s:
        request = publication.reject(s, who("owner2"), draft_id, "名称与法条用语不一致")
        assert (request.status, request.rejected_by, request.reason) == ("rejected", "owner2", "名称与法条用语不一致")
        assert drafts.get_draft(s, who("owner"), draft_id).status == "editing"
    assert _actions(db, draft_id)[-1] == "draft.reject"


def test_only_the_submitter_withdraws(db, who):
    draft_id = _edited_draft(db, who)
    with db.transaction() as s:
        publication.submit(s, who("owner"), draft_id, "改名称")
    with pytest.raises(Forbidden), db.transaction() as s:
        publication.withdraw(s, who("owner2"), draft_id)
    with db.transaction() as s:
        publication.withdraw(s, who("owner"), draft_id)
        assert drafts.get_draft(s, who("owner"), draft_id).status == "editing"
    with pytest.raises(Conflict), db.transaction() as s:
        publication.approve(s, who("owner2"), draft_id)


def test_restoring_an_old_version_publishes_its_files_as_a_new_version(db, who):
    first, first_dmn = _latest(db)
    draft_id = _edited_draft(db, who)
    with db.transaction() as s:
        publication.submit(s, who("owner"), draft_id, "改名称")
        publication.approve(s, who("owner2"), draft_id)
    with pytest.raises(Invalid), db.transaction() as s:
        publication.restore(s, who("owner"), "intake_triage", first + 1, "")
    with db.transaction() as s:
        # the test file changed with version 2 pins the new label: the restored draft stays open, saying why
        restored = publication.restore(s, who("owner"), "intake_triage", first, "改回原名称")
        assert restored.publication is None and "拖欠工资" in restored.refusal.message
        draft = drafts.get_draft(s, who("owner"), restored.draft_id)
        assert draft.status == "editing"
        tests = drafts.draft_file(s, draft, "issue_codes.test.json")
        drafts.save_file(s, who("owner"), draft.id, "issue_codes.test.json",
                         tests.replace("拖欠劳动报酬".encode(), "拖欠工资".encode()), draft.revision)
        request = publication.submit(s, who("owner"), draft.id, "改回原名称")  # the draft remembers the restore
        assert request.status == "submitted" and request.restored_from == f"intake_triage:{first}"
        restored_draft = request.draft_id
    with db.transaction() as s:
        publication.approve(s, who("owner2"), restored_draft)
    latest, dmn = _latest(db)
    assert latest == first + 2 and dmn == first_dmn
    with db.transaction() as s:
        hashes = {v.version: v.content_hash for v in s.scalars(
            select(ProcessVersion).where(ProcessVersion.process_key == "intake_triage"))}
        listed = publication.version_list(s, who("owner"), "intake_triage")[0]
    assert hashes[latest] == hashes[first]
    assert listed["restored_from"] == f"intake_triage:{first}" and listed["comment"] == "改回原名称"


def test_the_diff_of_two_versions_shows_the_changed_decision_row_cell_by_cell(db, who):
    first, _ = _latest(db)
    draft_id = _edited_draft(db, who)
    with db.transaction() as s:
        publication.submit(s, who("owner"), draft_id, "改名称")
        publication.approve(s, who("owner2"), draft_id)
        result = diff.compare_versions(s, who("owner"), "intake_triage", first, first + 1)
        draft_view = diff.compare_draft(s, who("owner"), draft_id)
    files = {f["file"]: f for f in result["files"]}
    assert files["issue_codes.dmn"]["status"] == "changed" and files["intake_triage.bpmn"]["status"] == "same"
    rows = [r for r in files["issue_codes.dmn"]["dmn"]["tables"][0]["rows"] if r["status"] != "same"]
    assert [r["id"] for r in rows] == ["issue_catalog_r1"]
    changed = [c for c in rows[0]["cells"] if c["changed"]]
    assert changed == [{"old": '"拖欠工资"', "new": '"拖欠劳动报酬"', "changed": True}]
    assert result["main_file"] == "intake_triage.bpmn"
    assert [f["file"] for f in draft_view["files"]] == ["issue_codes.dmn", "issue_codes.test.json"]
