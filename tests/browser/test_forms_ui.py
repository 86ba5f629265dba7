"""Task forms in a real browser, through the UI only: the triage room's table of claim routes, a
conditional field appearing with its answer, an invalid submit showing the message at the table cell, the
completed task read-only with its data (task page and case page), a draft kept from other readers, and
the form in English (docs/ui.md "Task forms")."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.intake.helpers import id_number, uscc
from tests.intake.helpers import registration as registration_data
from workflow_app.entrypoints import demo
from workflow_app.domain.intake import registration
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

from .conftest import login, shot

_n = {"n": 500}


def register_for_the_room(server, employer: str) -> None:
    """A difficult complaint (major dispute, unclear facts) whose claims wait in the triage room."""
    _n["n"] += 1
    data = registration_data("wage_arrears", "dismissal_dispute", dispute_major=True, facts_clear=False,
                             evidence_sufficient=False, employer={"name": employer})
    data["complainant"] = {**data["complainant"], "phone": f"1390371{_n['n']:04d}", "id_number": id_number(_n["n"])}
    data["employer"]["uscc"] = uscc(_n["n"] % 90 + 5)

    def run(s):
        return registration.register(s, identity.principal_by_username(s, "clerk"), data).number
    in_transaction(server.db, run)


def open_room_task(page, server, employer: str) -> None:
    page.goto(f"{server.url}/inbox?tab=group")
    row = page.locator("tr[data-business-key]", has_text=employer)
    expect(row).to_have_count(1)
    row.locator("button.claim").click()
    expect(page.locator("#flash")).to_contain_text("已认领")
    page.click("#tab-mine")
    page.locator("tr[data-business-key]", has_text=employer).locator("a.task-link").click()
    expect(page.locator("h1")).to_contain_text("分理")


def test_fill_the_routes_table_see_errors_at_the_cell_and_read_the_decision(server, new_page):
    register_for_the_room(server, "郑州某表格测试有限公司")
    page = new_page()
    login(page, server.url, "triage")
    open_room_task(page, server, "郑州某表格测试有限公司")
    table = page.locator(".field[data-field=room_routes]")
    reason = page.locator(".field[data-field=hearing_reason]")
    # Conditional fields follow the answer: nothing chosen -> neither branch's fields.
    expect(table).to_be_hidden()
    expect(reason).to_be_hidden()
    page.check("input[name=room_decision][value=joint_hearing]")
    expect(reason).to_be_visible()
    expect(table).to_be_hidden()
    page.check("input[name=room_decision][value=route]")
    expect(table).to_be_visible()
    expect(reason).to_be_hidden()
    # The table: one column per item property; add a row with the script.
    expect(table.locator("thead th")).to_contain_text(["诉求", "办理机构"])
    # One row per claim waiting in the room (the form's prefill), its claim chosen by name; two blank rows.
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0).locator("select").nth(0)).to_have_value("wage_arrears")
    expect(rows.nth(0).locator("select").nth(0).locator("option:checked")).to_have_text("拖欠工资")
    expect(rows.nth(1).locator("select").nth(0)).to_have_value("dismissal_dispute")
    table.locator("button.add-row").click()
    expect(rows).to_have_count(5)
    rows.nth(0).locator("select").nth(1).select_option("inspection")
    # the second claim's body left out: an error at that cell
    page.fill("textarea[name=room_opinion]", "劳动报酬由监察办理，解除争议由仲裁办理")
    shot(page, "forms-01-routes-table")
    page.click("#complete")
    cell_error = rows.nth(1).locator("td.has-error .field-error")
    expect(cell_error).to_contain_text("请填写诉求分送第2行的办理机构")
    expect(rows.nth(0).locator(".field-error")).to_have_count(0)
    shot(page, "forms-02-cell-error")
    # The values entered survived the failed submit; fix the cell and remove the blank row.
    expect(rows.nth(1).locator("select").nth(0)).to_have_value("dismissal_dispute")
    rows.nth(1).locator("select").nth(1).select_option("arbitration")
    rows.nth(2).locator("button.remove-row").click()
    page.click("#complete")
    page.wait_for_url(re.compile(r"/inbox\?msg=completed"))
    # The completed task reads as a decision: labels, a table, who and when.
    page.click("#tab-done")
    page.locator("tr[data-business-key]", has_text="郑州某表格测试有限公司").locator("a.task-link").click()
    decision = page.locator("section.decision")
    expect(decision).to_contain_text("逐项分送办理机构")
    expect(decision.locator(".decided-by")).to_have_text("李分理")
    expect(decision.locator(".decision-table tbody tr")).to_have_count(2)
    expect(decision.locator(".decision-table")).to_contain_text("劳动人事争议仲裁")
    expect(page.locator("#task-form")).to_have_count(0)
    shot(page, "forms-03-decision")
    page.click("p.meta a")  # the case
    expect(page.locator("#decisions section.decision")).to_contain_text("劳动保障监察")
    shot(page, "forms-04-case-decisions")


def test_a_draft_is_its_authors_only_and_the_form_speaks_english(server, new_page):
    register_for_the_room(server, "郑州某草稿测试有限公司")
    page = new_page()
    login(page, server.url, "triage")
    open_room_task(page, server, "郑州某草稿测试有限公司")
    page.check("input[name=room_decision][value=joint_hearing]")
    page.fill("textarea[name=hearing_reason]", "草稿中的会商理由")
    page.click("#save-draft")
    expect(page.locator("#task-form")).to_contain_text("草稿已保存")
    task_url = page.url
    page.reload()
    expect(page.locator("textarea[name=hearing_reason]")).to_have_value("草稿中的会商理由")
    # A colleague of the room sees the task but not its holder's draft.
    def colleague(s):
        if not identity.user_exists(s, "triage2"):
            identity.create_user(s, "triage2", "钱分理", demo.DEMO_PASSWORD)
            identity.add_membership(s, "triage2", "zz/triage_room/triage_reviewer")
    in_transaction(server.db, colleague)
    other = new_page()
    login(other, server.url, "triage2")
    other.goto(task_url)
    expect(other.locator("h1")).to_contain_text("分理")
    expect(other.locator("textarea[name=hearing_reason]")).to_have_value("")
    expect(other.locator("body")).not_to_contain_text("草稿中的会商理由")
    # English: the form's own translations, and the server's messages in English.
    page.click("a.lang:has-text('English')")
    expect(page.locator(".field[data-field=room_decision] .label")).to_contain_text("Triage conclusion")
    expect(page.locator(".field[data-field=room_decision]")).to_contain_text("Ask for a joint hearing")
    page.check("input[name=room_decision][value=route]")
    expect(page.locator(".field[data-field=room_routes] thead")).to_contain_text("Handling body")
    page.locator(".field[data-field=room_routes] tbody tr").nth(0).locator("select").nth(0).select_option("wage_arrears")
    page.click("#complete")
    expect(page.locator(".field[data-field=room_routes] td.has-error .field-error")).to_contain_text(
        "Please fill in Handling body in row 1 of Routing of claims")
    expect(page.locator(".field[data-field=room_opinion] .field-error")).to_contain_text("Please fill in Triage opinion")
    shot(page, "forms-05-english")


def test_an_anonymous_report_is_registered_without_personal_data(server, new_page):
    page = new_page()
    login(page, server.url, "clerk")
    page.goto(f"{server.url}/intake/register")
    personal = page.locator("#complainant-personal")
    expect(page.locator("#r-complainant\\.name")).to_be_visible()
    page.select_option("#r-kind", "report")
    page.check("input[name='complainant.anonymous']")
    expect(personal).to_be_hidden()
    page.fill("#r-employer\\.name", "郑州某匿名举报测试有限公司")
    page.select_option("#r-employer\\.district", "zz-jinshui")
    page.select_option("select[name='claims[0].code']", "child_labor")
    page.fill("#r-workers_affected", "1")
    shot(page, "forms-06-anonymous-report")
    page.click("#register-submit")
    page.wait_for_url(re.compile(r"/intake/complaints/\d+"))
    expect(page.locator("body")).to_contain_text("郑州某匿名举报测试有限公司")
