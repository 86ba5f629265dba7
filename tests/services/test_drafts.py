"""Drafts of definition files (platform/modelling/drafts.py, docs/workspace.md "Drafts")."""
from __future__ import annotations

import pytest

from workflow_app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from workflow_app.platform.modelling import drafts
from workflow_app.platform.persistence.models import ProcessVersion
from workflow_app.platform.processes import registry


def _draft(db, who, process_key="transfer_send"):
    with db.transaction() as s:
        return drafts.create_draft(s, who("owner"), "", process_key).id


def test_a_draft_opened_from_a_process_lists_its_files_and_reads_through_to_the_library(db, who):
    draft_id = _draft(db, who)
    with db.transaction() as s:
        draft = drafts.get_draft(s, who("owner"), draft_id)
        names = [f.filename for f in drafts.file_list(s, draft)]
        assert "transfer.bpmn" in names and all(not f.edited for f in drafts.file_list(s, draft))
        assert draft.title.startswith("修改")
        assert b"<bpmn:definitions" in drafts.draft_file(s, draft, "transfer.bpmn") \
            or b"definitions" in drafts.draft_file(s, draft, "transfer.bpmn")


def test_saving_stores_a_copy_without_deploying(db, who):
    draft_id = _draft(db, who)
    with db.transaction() as s:
        before = s.query(ProcessVersion).count()
        original = drafts.draft_file(s, drafts.get_draft(s, who("owner"), draft_id), "transfer.bpmn")
    edited = original.replace(b"</bpmn:definitions>", b"<!-- edited --></bpmn:definitions>")
    with db.transaction() as s:
        draft = drafts.save_file(s, who("owner"), draft_id, "transfer.bpmn", edited, expected_revision=0)
        assert draft.revision == 1
    with db.transaction() as s:
        draft = drafts.get_draft(s, who("owner"), draft_id)
        assert drafts.draft_file(s, draft, "transfer.bpmn") == edited
        assert drafts.merged_files(s, draft)["transfer.bpmn"] == edited
        assert s.query(ProcessVersion).count() == before
        assert registry.latest_version(s, "transfer_send").files_json.find("<!-- edited -->") == -1


def test_a_save_based_on_an_older_revision_is_refused_and_changes_nothing(db, who):
    draft_id = _draft(db, who)
    with db.transaction() as s:
        drafts.save_file(s, who("owner"), draft_id, "t_new.json", b'{"schema": {"type": "object"}}', 0)
    with pytest.raises(Conflict), db.transaction() as s:
        drafts.save_file(s, who("owner2"), draft_id, "t_new.json", b'{"schema": {"type": "string"}}', 0)
    with db.transaction() as s:
        draft = drafts.get_draft(s, who("owner"), draft_id)
        assert draft.revision == 1
        assert drafts.draft_file(s, draft, "t_new.json") == b'{"schema": {"type": "object"}}'


def test_bad_file_names_and_oversized_files_are_refused(db, who):
    draft_id = _draft(db, who)
    for name in ("../x.bpmn", "notes.txt", ""):
        with pytest.raises(Invalid), db.transaction() as s:
            drafts.save_file(s, who("owner"), draft_id, name, b"<x/>", None)
    with pytest.raises(Invalid), db.transaction() as s:
        drafts.save_file(s, who("owner"), draft_id, "big.bpmn", b"x" * (3 * 1024 * 1024), None)


def test_only_process_owners_open_drafts(db, who):
    draft_id = _draft(db, who)
    with pytest.raises(Forbidden), db.transaction() as s:
        drafts.get_draft(s, who("inspector"), draft_id)
    with pytest.raises(Forbidden), db.transaction() as s:
        drafts.create_draft(s, who("clerk"), "x")


def test_reverting_a_file_reads_the_library_again_and_discarding_closes_the_draft(db, who):
    draft_id = _draft(db, who)
    with db.transaction() as s:
        drafts.save_file(s, who("owner"), draft_id, "transfer.bpmn", b"<broken", 0)
    with db.transaction() as s:
        drafts.revert_file(s, who("owner"), draft_id, "transfer.bpmn", 1)
    with db.transaction() as s:
        draft = drafts.get_draft(s, who("owner"), draft_id)
        assert drafts.draft_file(s, draft, "transfer.bpmn") != b"<broken"
        drafts.discard(s, who("owner"), draft_id)
    with pytest.raises(Conflict), db.transaction() as s:
        drafts.save_file(s, who("owner"), draft_id, "transfer.bpmn", b"<x/>", None)
    with pytest.raises(NotFound), db.transaction() as s:
        drafts.get_draft(s, who("owner"), 999999)


def test_a_file_published_by_someone_else_since_is_reported_as_changed_underneath(db, who):
    draft_id = _draft(db, who)
    with db.transaction() as s:
        original = drafts.draft_file(s, drafts.get_draft(s, who("owner"), draft_id), "transfer.bpmn")
        drafts.save_file(s, who("owner"), draft_id, "transfer.bpmn", original + b"\n", 0)
    with db.transaction() as s:
        registry.deploy(s, {"transfer.bpmn": original + b"\n\n"}, "owner2")
    with db.transaction() as s:
        assert drafts.changed_underneath(s, drafts.get_draft(s, who("owner"), draft_id)) == ["transfer.bpmn"]


@pytest.mark.parametrize("kind, suffix", [("form", ".json"), ("bpmn", ".bpmn"), ("dmn", ".dmn")])
def test_a_new_file_starts_from_a_skeleton_that_passes_validation(db, who, kind, suffix):
    from workflow_app.platform.modelling import validation
    draft_id = _draft(db, who)
    with db.transaction() as s:
        draft, filename = drafts.new_file(s, who("owner"), draft_id, kind, "case_review", "案件复核", 0)
        assert filename == "case_review" + suffix and draft.revision == 1
        assert [f for f in drafts.file_list(s, draft) if f.filename == filename][0].new
        errors = [p for p in validation.validate_draft(s, draft) if p.severity == "error"]
        assert errors == []
        if kind != "form":
            assert "案件复核".encode() in drafts.draft_file(s, draft, filename)


def test_a_new_file_needs_a_plain_unused_name(db, who):
    draft_id = _draft(db, who)
    for name in ("Case Review", "../x", "", "1abc"):
        with pytest.raises(Invalid), db.transaction() as s:
            drafts.new_file(s, who("owner"), draft_id, "form", name, "", None)
    with pytest.raises(Conflict), db.transaction() as s:  # the library has approval.json
        drafts.new_file(s, who("owner"), draft_id, "form", "approval", "", None)
    with pytest.raises(Invalid), db.transaction() as s:
        drafts.new_file(s, who("owner"), draft_id, "script", "x", "", None)
    with db.transaction() as s:
        assert drafts.get_draft(s, who("owner"), draft_id).revision == 0


def test_a_published_draft_reports_nothing_changed_underneath(db, who):
    from workflow_app.platform.modelling import publication
    publication.configure(0)
    try:
        draft_id = _draft(db, who)
        with db.transaction() as s:
            original = drafts.draft_file(s, drafts.get_draft(s, who("owner"), draft_id), "transfer.bpmn")
            drafts.save_file(s, who("owner"), draft_id, "transfer.bpmn", original + b"\n", 0)
        with db.transaction() as s:
            publication.submit(s, who("owner"), draft_id, "空行")
        with db.transaction() as s:
            draft = drafts.get_draft(s, who("owner"), draft_id)
            assert draft.status == "published" and drafts.changed_underneath(s, draft) == []
    finally:
        publication.configure(1)
