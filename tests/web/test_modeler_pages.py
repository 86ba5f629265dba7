"""The draft file editors (entrypoints/web/modeler.py, docs/workspace.md "Editing"): the editor pages, the
save endpoint (revision guard, names, owners only, CSRF) and the form preview, on both databases."""
from __future__ import annotations

import json

from tests.test_web import _login
from workflow_app.platform.modelling import drafts
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.identity import directory


def _draft(db, process_key="intake_triage", who="owner"):
    return in_transaction(db, lambda s: drafts.create_draft(
        s, directory.principal_by_username(s, who), "", process_key).id)


def _content(db, draft_id, filename):
    def read(s):
        draft = drafts.get_draft(s, directory.principal_by_username(s, "owner"), draft_id)
        return drafts.draft_file(s, draft, filename).decode()
    return in_transaction(db, read)


def _put(client, csrf, draft_id, filename, content, revision, **kw):
    return client.put(f"/drafts/{draft_id}/edit/{filename}", json={"content": content, "revision": revision},
                      headers={"X-CSRF-Token": csrf, **kw.pop("headers", {})}, **kw)


def test_owners_open_each_kind_of_editor_others_are_refused(app, db):
    draft_id = _draft(db)
    owner, _ = _login(app, "owner")
    bpmn = owner.get(f"/drafts/{draft_id}/edit/intake_triage.bpmn")
    assert bpmn.status_code == 200
    assert "bpmn-modeler.production.min.js" in bpmn.text and "modeler.js" in bpmn.text
    data = json.loads(bpmn.text.split('id="editor-data">', 1)[1].split("</script>", 1)[0])
    assert data["revision"] == 0 and 'id="intake_triage"' in data["content"] and data["problems"] == []
    assert ["intake", "综合窗口"] in data["vocabulary"]["bodies"] and "inform_complainant.json" in data["vocabulary"]["forms"]
    assert ["triage", "分流判定（T0–T8，F1–F3）"] in data["vocabulary"]["decisions"]
    assert "dmn-modeler.production.min.js" in owner.get(f"/drafts/{draft_id}/edit/triage.dmn").text
    form = owner.get(f"/drafts/{draft_id}/edit/inform_complainant.json")
    assert form.status_code == 200 and "form-editor.js" in form.text and "预览" in form.text
    assert owner.get("/vendor/bpmn-js/dist/bpmn-modeler.production.min.js").status_code == 200
    assert owner.get("/vendor/dmn-js/dist/dmn-modeler.production.min.js").status_code == 200
    assert owner.get("/vendor/dmn-js/package.json").status_code == 404

    clerk, _ = _login(app, "clerk")
    assert clerk.get(f"/drafts/{draft_id}/edit/intake_triage.bpmn").status_code == 403
    assert owner.get(f"/drafts/{draft_id + 99}/edit/intake_triage.bpmn").status_code == 404
    assert owner.get(f"/drafts/{draft_id}/edit/nothing_here.bpmn").status_code == 404
    assert owner.get(f"/drafts/{draft_id}/edit/notes.txt").status_code == 404


def test_saving_stores_the_file_and_answers_the_new_revision_and_the_problems(app, db):
    draft_id = _draft(db)
    owner, csrf = _login(app, "owner")
    original = _content(db, draft_id, "intake_triage.bpmn")
    edited = original.replace('name="综合窗口·受理员 [intake/intake_clerk]"', 'name="综合窗口·受理员 [intake/inspector]"')
    answer = _put(owner, csrf, draft_id, "intake_triage.bpmn", edited, 0)
    assert answer.status_code == 200, answer.json
    assert answer.json["revision"] == 1
    # no intake group has inspectors: a warning on the lane (it does not block), no error
    assert [(p["severity"], p["code"], p["element"]) for p in answer.json["problems"]] == \
        [("warning", "group-not-staffed", "Lane_clerk")]
    assert _content(db, draft_id, "intake_triage.bpmn") == edited

    broken = edited.replace('<spiffworkflow:property name="form" value="inform_complainant.json" />', "")
    answer = _put(owner, csrf, draft_id, "intake_triage.bpmn", broken, 1)
    assert answer.status_code == 200 and answer.json["revision"] == 2
    [problem] = [p for p in answer.json["file_problems"] if p["severity"] == "error"]
    assert problem["element"] == "inform_complainant" and problem["file"] == "intake_triage.bpmn"
    assert problem["message_zh"].startswith("用户任务“告知投诉人按原程序办理”没有指定表单")
    assert problem["code"] == "user-task-form"
    assert set(problem) == {"file", "element", "line", "severity", "code", "message_zh", "message"}


def test_a_save_based_on_an_older_revision_is_refused_with_409_and_nothing_changes(app, db):
    draft_id = _draft(db)
    owner, csrf = _login(app, "owner")
    other, other_csrf = _login(app, "owner2")
    original = _content(db, draft_id, "intake_triage.bpmn")
    assert _put(other, other_csrf, draft_id, "intake_triage.bpmn", original + "\n", 0).status_code == 200
    answer = _put(owner, csrf, draft_id, "intake_triage.bpmn", original + "<!-- mine -->", 0)
    assert answer.status_code == 409
    assert "草稿已被他人修改" in answer.json["title"] and answer.json["revision"] == 1
    assert _content(db, draft_id, "intake_triage.bpmn") == original + "\n"


def test_bad_requests_are_refused_in_chinese_with_nothing_saved(app, db):
    draft_id = _draft(db)
    owner, csrf = _login(app, "owner")
    answer = _put(owner, csrf, draft_id, "notes.txt", "x", 0)
    assert answer.status_code == 422 and "文件名不可用" in answer.json["title"]
    assert owner.put(f"/drafts/{draft_id}/edit/a.bpmn", json={"content": "x"},
                     headers={"X-CSRF-Token": csrf}).json["title"] == "缺少草稿版本号"
    assert owner.put(f"/drafts/{draft_id}/edit/a.bpmn", data="x", headers={"X-CSRF-Token": csrf}).status_code == 422
    bad_form = _put(owner, csrf, draft_id, "inform_complainant.json", '{"schema": {"type": "string"}}', 0)
    assert bad_form.status_code == 422 and bad_form.json["title"] == "表单 schema 的 type 必须是 object"
    not_json = _put(owner, csrf, draft_id, "inform_complainant.json", '{"schema": ', 0)
    assert not_json.status_code == 422 and "不是有效的 JSON" in not_json.json["title"]
    assert _content(db, draft_id, "inform_complainant.json").startswith("{")  # the library's copy, untouched
    assert json.loads(_content(db, draft_id, "inform_complainant.json"))["schema"]["type"] == "object"
    assert in_transaction(db, lambda s: drafts.get_draft(s, directory.principal_by_username(s, "owner"),
                                                         draft_id).revision) == 0


def test_only_owners_save_and_only_with_the_csrf_token(app, db):
    draft_id = _draft(db)
    owner, csrf = _login(app, "owner")
    content = _content(db, draft_id, "intake_triage.bpmn")
    no_token = owner.put(f"/drafts/{draft_id}/edit/intake_triage.bpmn", json={"content": content, "revision": 0})
    assert no_token.status_code == 403
    assert _put(owner, "wrong", draft_id, "intake_triage.bpmn", content, 0).status_code == 403
    clerk, clerk_csrf = _login(app, "clerk")
    assert _put(clerk, clerk_csrf, draft_id, "intake_triage.bpmn", content, 0).status_code == 403
    assert _put(owner, csrf, draft_id + 99, "intake_triage.bpmn", content, 0).status_code == 404
    assert in_transaction(db, lambda s: drafts.get_draft(s, directory.principal_by_username(s, "owner"),
                                                         draft_id).revision) == 0


def test_the_form_preview_is_drawn_by_the_task_page_renderer(app, db):
    draft_id = _draft(db)
    owner, csrf = _login(app, "owner")
    form = json.loads(_content(db, draft_id, "inform_complainant.json"))
    form["schema"]["properties"]["remark"] = {"type": "string", "title": "备注"}
    form["ui"]["help"]["remark"] = "可不填"
    answer = owner.post(f"/drafts/{draft_id}/form-preview", json={"content": json.dumps(form, ensure_ascii=False)},
                        headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200
    html = answer.text
    assert "告知方式" in html and "窗口当面告知" in html and 'type="date"' in html  # labels, enum labels, widgets
    assert 'data-field="remark"' in html and "备注" in html and "可不填" in html
    bad = owner.post(f"/drafts/{draft_id}/form-preview", json={"content": "{not json"}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422 and "不是有效的 JSON" in bad.json["title"]
    odd = owner.post(f"/drafts/{draft_id}/form-preview", json={"content": '{"schema": {"type": "object"}, "ui": {"order": ["x"]}}'},
                     headers={"X-CSRF-Token": csrf})
    assert odd.status_code == 422 and odd.json["title"] == "ui.order 中的字段 x 不存在"
    clerk, clerk_csrf = _login(app, "clerk")
    assert clerk.post(f"/drafts/{draft_id}/form-preview", json={"content": json.dumps(form)},
                      headers={"X-CSRF-Token": clerk_csrf}).status_code == 403
