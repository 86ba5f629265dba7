"""The process owner's workspace in a real browser (issue 15): open a draft of 分流 (intake_triage), change a
decision-table row by uploading the file, see the validation problem on its element, fix it, submit; a second
owner approves; a clerk's new complaint follows the new routing; the owner compares the two versions."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from workflow_app.entrypoints import demo

from .conftest import login, shot

ROOT = Path(__file__).resolve().parents[2]
ISSUE_CODES = (ROOT / "bpmn" / "dmn" / "issue_codes.dmn").read_text(encoding="utf-8")
ROW = '<outputEntry id="issue_catalog_r5_o2"><text>"labour_standard"</text>'
assert ROW in ISSUE_CODES
BROKEN = ISSUE_CODES.replace(ROW, '<outputEntry id="issue_catalog_r5_o2"><text>"labour_dispute</text>')
FIXED = ISSUE_CODES.replace(ROW, '<outputEntry id="issue_catalog_r5_o2"><text>"labour_dispute"</text>')


def _upload(page, text: str) -> None:
    page.set_input_files("#upload-file", files=[{"name": "issue_codes.dmn", "mimeType": "application/xml",
                                                 "buffer": text.encode("utf-8")}])
    page.click("#upload-button")
    page.wait_for_url(re.compile(r"/drafts/\d+"))


def _register_contract_claim(page, base: str) -> None:
    page.goto(f"{base}/intake/register")
    page.fill("#r-complainant\\.name", "赵六")
    page.fill("#r-complainant\\.id_number", demo._demo_id_number(31))
    page.fill("#r-complainant\\.phone", "13803710031")
    page.fill("#r-employer\\.name", "郑州某物流有限公司")
    page.fill("#r-employer\\.uscc", demo._demo_uscc(31))
    page.select_option("#r-employer\\.district", "zz-jinshui")
    page.select_option("select[name='claims[0].code']", "no_written_contract")
    page.fill("#r-workers_affected", "1")
    page.click("#register-submit")
    page.wait_for_url(re.compile(r"/intake/complaints/\d+"))


def test_owner_changes_a_routing_row_a_second_owner_publishes_and_the_clerk_sees_the_new_routing(server, new_page):
    owner = new_page()
    login(owner, server.url, "owner")
    owner.click("#nav-drafts")
    owner.select_option("#new-draft-process", "intake_triage")
    owner.click("#new-draft-button")
    owner.wait_for_url(re.compile(r"/drafts/\d+"))
    draft_url = owner.url.split("?")[0]
    expect(owner.locator("#draft-files tr[data-file='issue_codes.dmn']")).to_contain_text("未修改")
    shot(owner, "workspace-01-draft")

    _upload(owner, BROKEN)  # an unterminated text in the row's 类别 cell
    problem = owner.locator("#problems li.problem.error[data-element='issue_catalog_r5_o2']")
    expect(problem).to_contain_text("表达式")
    expect(owner.locator("#draft-files tr[data-file='issue_codes.dmn']")).to_contain_text("已修改")
    shot(owner, "workspace-02-validation-problem")
    owner.fill("#submit-comment", "未签书面劳动合同改由仲裁办理")
    owner.click("#submit-button")
    expect(owner.locator("#page-error")).to_contain_text("校验未通过")
    expect(owner.locator("#draft")).to_have_attribute("data-status", "editing")

    _upload(owner, FIXED)
    expect(owner.locator("#problem-count")).to_have_text("没有错误")
    owner.fill("#submit-comment", "未签书面劳动合同改由仲裁办理")
    owner.click("#submit-button")
    expect(owner.locator("#draft-status")).to_have_text("待审核")
    expect(owner.locator("#approve-button")).to_have_count(0)  # four eyes: not for the submitter
    expect(owner.locator("#withdraw-button")).to_be_visible()
    shot(owner, "workspace-03-submitted")

    second = new_page()
    login(second, server.url, "owner2")
    second.goto(f"{server.url}/drafts?tab=awaiting")
    second.locator("#drafts a", has_text="修改 综合窗口登记分流").first.click()
    expect(second.locator("#submitted-by")).to_contain_text("未签书面劳动合同改由仲裁办理")
    second.click("#approve-button")
    expect(second.locator("#draft-status")).to_have_text("已发布")
    expect(second.locator("#published-by")).to_contain_text("韩流程")
    shot(second, "workspace-04-published")

    clerk = new_page()
    login(clerk, server.url, "clerk")
    _register_contract_claim(clerk, server.url)
    expect(clerk.locator("#routing")).to_contain_text("仲裁")
    expect(clerk.locator("#routing")).not_to_contain_text("劳动保障监察")
    shot(clerk, "workspace-05-new-routing")

    owner.goto(f"{server.url}/processes/intake_triage/versions")
    newest = owner.locator("table.versions tbody tr").first
    expect(newest).to_contain_text("未签书面劳动合同改由仲裁办理")
    expect(newest).to_contain_text("孙流程")
    expect(newest).to_contain_text("韩流程")
    shot(owner, "workspace-06-versions")
    owner.click("#compare-button")
    row = owner.locator("#file-issue_codes\\.dmn tr[data-rule='issue_catalog_r5']")
    expect(row.locator("td.cell-changed")).to_contain_text("labour_dispute")
    expect(owner.locator("#diff-summary tr[data-file='intake_triage.bpmn']")).to_contain_text("未变")
    shot(owner, "workspace-07-diff")
    owner.goto(draft_url)
    expect(owner.locator("#publication-history")).to_contain_text("已发布")
