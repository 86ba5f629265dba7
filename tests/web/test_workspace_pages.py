"""The workspace pages refuse clearly (Chinese, the right status, nothing changed) — docs/workspace.md."""
from __future__ import annotations

import io
import re

from tests.test_web import _login
from workflow_app.platform.identity import directory
from workflow_app.platform.modelling import drafts, publication


def _draft_with_edit(app, who="owner") -> int:
    db = app.extensions["caseflow.db"]
    with db.transaction() as s:
        p = directory.principal_by_username(s, who)
        draft = drafts.create_draft(s, p, "", "intake_triage")
        content = drafts.draft_file(s, draft, "issue_codes.dmn")
        drafts.save_file(s, p, draft.id, "issue_codes.dmn", content.replace('<text>"拖欠工资"</text>'.encode(), '<text>"拖欠劳动报酬"</text>'.encode()), 0)
        tests = drafts.draft_file(s, draft, "issue_codes.test.json")  # the shipped test pins the label
        drafts.save_file(s, p, draft.id, "issue_codes.test.json",
                         tests.replace('"claim_class.label": "拖欠工资"'.encode(), '"claim_class.label": "拖欠劳动报酬"'.encode()), 1)
        return draft.id


def test_the_pages_are_for_process_owners(app):
    clerk, _csrf = _login(app, "clerk")
    assert clerk.get("/drafts").status_code == 403
    assert clerk.get("/processes/intake_triage/versions").status_code == 403


def test_each_refused_action_answers_the_draft_page_with_a_chinese_reason(app):
    draft_id = _draft_with_edit(app)
    owner, csrf = _login(app, "owner")
    page = owner.get(f"/drafts/{draft_id}")
    assert page.status_code == 200 and 'data-file="issue_codes.dmn"' in page.text
    empty = owner.post(f"/drafts/{draft_id}/submit", data={"comment": " "}, headers={"X-CSRF-Token": csrf})
    assert empty.status_code == 422 and "请填写发布说明" in empty.text
    stale = owner.post(f"/drafts/{draft_id}/upload", headers={"X-CSRF-Token": csrf},
                       data={"revision": "0", "file": (io.BytesIO(b"<x/>"), "issue_codes.dmn")},
                       content_type="multipart/form-data")
    assert stale.status_code == 409 and "已被他人修改" in stale.text
    bad_name = owner.post(f"/drafts/{draft_id}/upload", headers={"X-CSRF-Token": csrf},
                          data={"revision": "2", "file": (io.BytesIO(b"x"), "notes.txt")},
                          content_type="multipart/form-data")
    assert bad_name.status_code == 422 and "文件名不可用" in bad_name.text
    submitted = owner.post(f"/drafts/{draft_id}/submit", data={"comment": "改名称"}, headers={"X-CSRF-Token": csrf})
    assert submitted.status_code == 303
    own = owner.post(f"/drafts/{draft_id}/approve", headers={"X-CSRF-Token": csrf})
    assert own.status_code == 403 and "另一位流程管理员" in own.text
    second, csrf2 = _login(app, "owner2")
    no_reason = second.post(f"/drafts/{draft_id}/reject", data={"reason": ""}, headers={"X-CSRF-Token": csrf2})
    assert no_reason.status_code == 422 and "请填写退回原因" in no_reason.text
    approved = second.post(f"/drafts/{draft_id}/approve", headers={"X-CSRF-Token": csrf2})
    assert approved.status_code == 303 and "msg=published" in approved.headers["Location"]
    versions = owner.get("/processes/intake_triage/versions")
    assert "改名称" in versions.text and re.search(r"第 2 版", versions.text)
    same = owner.get("/processes/intake_triage/diff?a=2&b=2")
    assert same.status_code == 422 and "两个不同的版本" in same.text
    compared = owner.get("/processes/intake_triage/diff?a=1&b=2")
    assert compared.status_code == 200 and "拖欠劳动报酬" in compared.text
    assert owner.get("/processes/intake_triage/versions/2").status_code == 200
    assert owner.get("/processes/intake_triage/versions/2/files/issue_codes.dmn").status_code == 200
    assert owner.get(f"/drafts/{draft_id}/diff").status_code == 200
    restored = owner.post("/processes/intake_triage/versions/1/restore", data={"comment": "改回"},
                          headers={"X-CSRF-Token": csrf})
    assert restored.status_code == 303 and "msg=restored" in restored.headers["Location"]
    assert publication.approvals_required() == 1  # the default: four eyes


def test_a_new_form_is_made_on_the_draft_page_and_opens_in_its_editor(app):
    draft_id = _draft_with_edit(app)
    owner, csrf = _login(app, "owner")
    made = owner.post(f"/drafts/{draft_id}/new-file", headers={"X-CSRF-Token": csrf},
                      data={"kind": "form", "name": "case_review", "title": "案件复核", "revision": "2"})
    assert made.status_code == 303 and made.headers["Location"].endswith(f"/drafts/{draft_id}/edit/case_review.json")
    editor = owner.get(f"/drafts/{draft_id}/edit/case_review.json")
    assert editor.status_code == 200 and "办理意见" in editor.text
    taken = owner.post(f"/drafts/{draft_id}/new-file", headers={"X-CSRF-Token": csrf},
                       data={"kind": "form", "name": "case_review", "revision": "3"})
    assert taken.status_code == 409 and "已存在" in taken.text
    bad = owner.post(f"/drafts/{draft_id}/new-file", headers={"X-CSRF-Token": csrf},
                     data={"kind": "form", "name": "Case Review", "revision": "3"})
    assert bad.status_code == 422 and "小写英文字母" in bad.text
