"""Editing a draft in the browser, through the UI only (docs/workspace.md "Editing"): the BPMN modeler's
properties panel writes a lane's candidate group into the lane name, a user task without a form gets a
marker after saving, a decision-table cell is changed in dmn-js, a form gets a field that shows in the
live preview, and a save on a stale revision shows the conflict banner instead of overwriting."""
from __future__ import annotations

import json

from playwright.sync_api import expect

from workflow_app.platform.identity import directory as identity
from workflow_app.platform.modelling import drafts
from workflow_app.platform.persistence.database import in_transaction

from .conftest import login, shot


def _file(server, draft_id, filename):
    def read(s):
        draft = drafts.get_draft(s, identity.principal_by_username(s, "owner"), draft_id)
        return drafts.draft_file(s, draft, filename).decode()
    return in_transaction(server.db, read)


def test_an_owner_edits_a_diagram_a_decision_table_and_a_form(server, new_page):
    # /drafts (the workspace's page) opens drafts; here the draft comes from the service, the editing is UI.
    draft_id = in_transaction(server.db, lambda s: drafts.create_draft(
        s, identity.principal_by_username(s, "owner"), "调整分流", "intake_triage").id)
    page = new_page()
    login(page, server.url, "owner")

    # BPMN: the process panel lists the lanes; the clerk lane's tasks go to inspectors from now on.
    page.goto(f"{server.url}/drafts/{draft_id}/edit/intake_triage.bpmn")
    expect(page.locator("#canvas")).to_have_attribute("data-state", "ready")
    lane = page.locator('[data-lane="Lane_clerk"]')
    expect(lane.locator('[data-key="lane:Lane_clerk:body"]')).to_have_value("intake")
    lane.locator('[data-key="lane:Lane_clerk:role"]').select_option("inspector")
    expect(lane).to_contain_text("[intake/inspector]")
    page.click("#canvas", position={"x": 400, "y": 30})  # undo/redo on the canvas covers the panel's edits
    page.keyboard.press("Control+Z")
    expect(page.locator('[data-lane="Lane_clerk"]')).to_contain_text("[intake/intake_clerk]")
    page.keyboard.press("Control+Y")
    expect(page.locator('[data-lane="Lane_clerk"]')).to_contain_text("[intake/inspector]")
    shot(page, "modeler_lane_group")
    page.click("#save-file")
    expect(page.locator("#draft-revision")).to_have_text("1")
    expect(page.locator("#save-state")).to_contain_text("已保存")
    saved = _file(server, draft_id, "intake_triage.bpmn")
    assert 'name="综合窗口·受理员 [intake/inspector]"' in saved
    assert "<bpmn:loopDataInputRef>claims</bpmn:loopDataInputRef>" in saved and "BPMNShape" in saved

    # A user task without a form: saved (a draft may be invalid), then marked on the diagram.
    page.click('g.djs-element[data-element-id="inform_complainant"]')
    expect(page.locator("#props-panel")).to_have_attribute("data-element", "inform_complainant")
    expect(page.locator('[data-key="prop:form"]')).to_have_value("inform_complainant.json")
    page.select_option('[data-key="prop:form"]', "")
    page.click("#save-file")
    expect(page.locator("#draft-revision")).to_have_text("2")
    expect(page.locator('g.djs-element.has-problem[data-element-id="inform_complainant"]')).to_have_count(1)
    expect(page.locator(".problem-overlay", has_text="没有指定表单")).to_have_count(1)
    problem = page.locator('#problem-list li[data-element="inform_complainant"]')
    expect(problem).to_contain_text("用户任务“告知投诉人按原程序办理”没有指定表单")
    page.click("#canvas", position={"x": 400, "y": 30})  # the background: the process panel again
    # the diagram is drawn as a pool (docs/diagrams.md): the background is the collaboration, the panel
    # shows its process
    expect(page.locator("#props-panel")).to_have_attribute("data-element", "Collaboration_intake_triage")
    expect(page.locator("#props-panel")).to_contain_text("ID：intake_triage")
    problem.click()  # a problem selects its element
    expect(page.locator("#props-panel")).to_have_attribute("data-element", "inform_complainant")
    shot(page, "modeler_problem_marker")
    assert 'value="inform_complainant.json"' not in _file(server, draft_id, "intake_triage.bpmn")

    # DMN: change the first rule's first cell.
    page.goto(f"{server.url}/drafts/{draft_id}/edit/triage.dmn")
    expect(page.locator("#dmn")).to_have_attribute("data-state", "ready")
    expect(page.locator("#problem-list")).to_contain_text("没有指定表单")  # the draft's problems, above the table
    cell = page.locator('td[data-element-id="triage_r1_i1"]')
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("True if workers_affected > 0 else False")
    page.keyboard.press("Tab")
    shot(page, "modeler_dmn_cell")
    page.click("#save-file")
    expect(page.locator("#draft-revision")).to_have_text("3")
    assert "True if workers_affected &gt; 0 else False" in _file(server, draft_id, "triage.dmn")

    # Form: add a field; the preview (the task page's renderer) shows it; save.
    page.goto(f"{server.url}/drafts/{draft_id}/edit/inform_complainant.json")
    expect(page.locator("#form-preview")).to_contain_text("告知方式")
    page.click("#add-field")
    row = page.locator("#field-rows tr").last
    row.locator('[data-key$=":key"]').fill("remark")
    row.locator('[data-key$=":key"]').press("Tab")
    row = page.locator('#field-rows tr[data-field="remark"]')
    row.locator('[data-key$=":label"]').fill("告知时的补充说明")
    row.locator('[data-key$=":label"]').press("Tab")
    expect(page.locator('#form-preview [data-field="remark"]')).to_contain_text("告知时的补充说明")
    shot(page, "modeler_form_preview")
    page.click("#save-file")
    expect(page.locator("#draft-revision")).to_have_text("4")
    form = json.loads(_file(server, draft_id, "inform_complainant.json"))
    assert form["ui"]["labels"]["remark"] == "告知时的补充说明" and form["ui"]["order"][-1] == "remark"

    # Someone else saves meanwhile: this page's save is refused, the edits are offered as a download.
    approval = _file(server, draft_id, "approval.json").encode()
    in_transaction(server.db, lambda s: drafts.save_file(s, identity.principal_by_username(s, "owner2"), draft_id,
                                                         "approval.json", approval, 4))
    row.locator('[data-key$=":help"]').fill("可不填")
    row.locator('[data-key$=":help"]').press("Tab")
    page.click("#save-file")
    expect(page.locator("#conflict-banner")).to_be_visible()
    expect(page.locator("#conflict-banner")).to_contain_text("草稿已被他人修改")
    with page.expect_download() as download:
        page.click("#download-edits")
    assert "可不填" in open(download.value.path(), encoding="utf-8").read()
    shot(page, "modeler_conflict")
    assert "可不填" not in _file(server, draft_id, "inform_complainant.json")
