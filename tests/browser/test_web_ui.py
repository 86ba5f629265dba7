"""The web interface in a real browser: login, registration, routing, inbox, claim conflict, task form, diagram."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from workflow_app.entrypoints import demo
from workflow_app.domain.intake import registration
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

from .conftest import login, shot

_n = {"n": 100}


def register_direct(server, employer="郑州某电子科技有限公司") -> str:
    """Register a complaint through the service (as the clerk); returns the complaint number."""
    _n["n"] += 1
    n = _n["n"]
    data = {"kind": "complaint", "channel": "window",
            "complainant": {"name": "李四", "id_number": demo._demo_id_number(n), "phone": f"1380371{n:04d}"},
            "employer": {"name": employer, "uscc": demo._demo_uscc(n % 9 + 1), "district": "zz-jinshui"},
            "workers_affected": 1, "claims": [{"code": "wage_arrears", "amount": 3000, "months_unpaid": 1}],
            "violation_ongoing": True, "employment_ongoing": True}

    def run(s):
        return registration.register(s, identity.principal_by_username(s, "clerk"), data).number
    return in_transaction(server.db, run)


def test_register_route_claim_and_complete(server, new_page):
    page = new_page()
    login(page, server.url, "clerk")
    expect(page.locator("header .who")).to_contain_text("王受理")
    page.goto(f"{server.url}/intake/register")
    shot(page, "01-register-form")
    # Invalid registration: inline messages next to the fields, nothing saved.
    page.fill("#r-complainant\\.name", "王五")
    page.fill("#r-complainant\\.id_number", "410105199001011234")
    page.click("#register-submit")
    expect(page.locator("[data-error-for='complainant.id_number']")).to_be_visible()
    expect(page.locator("[data-error-for='employer.name']")).to_be_visible()
    expect(page.locator("[data-error-for='claims']")).to_be_visible()
    shot(page, "02-register-errors")
    page.fill("#r-complainant\\.id_number", demo._demo_id_number(7))
    page.fill("#r-complainant\\.phone", "13803710007")
    page.fill("#r-employer\\.name", "郑州某印刷有限公司")
    page.fill("#r-employer\\.uscc", demo._demo_uscc(12))
    page.select_option("#r-employer\\.district", "zz-jinshui")
    page.select_option("select[name='claims[0].code']", "wage_arrears")
    page.fill("input[name='claims[0].amount']", "8000")
    page.fill("input[name='claims[0].months_unpaid']", "2")
    page.fill("#r-workers_affected", "1")
    page.click("#register-submit")
    page.wait_for_url(re.compile(r"/intake/complaints/\d+"))
    # Routed: the wage claim went to the district's labour inspection, a case was opened.
    expect(page.locator("#routing")).to_contain_text("劳动保障监察")
    case_number = page.locator("a.case-link").first.inner_text()
    assert "人社监案" in case_number
    shot(page, "03-registered-routed")

    inspector = new_page()
    login(inspector, server.url, "inspector")
    inspector.goto(f"{server.url}/inbox?tab=group")
    row = inspector.locator("tr[data-business-key]", has_text="郑州某印刷有限公司")
    expect(row).to_have_count(1)
    expect(row.locator(".clock")).to_contain_text("受理期限")
    shot(inspector, "04-inbox-group")
    row.locator("button.claim").click()
    expect(inspector.locator("#flash")).to_contain_text("已认领")
    inspector.click("#tab-mine")
    mine = inspector.locator("tr[data-business-key]", has_text="郑州某印刷有限公司")
    expect(mine).to_have_count(1)
    mine.locator("a.task-link").click()
    expect(inspector.locator("h1")).to_contain_text("受理")
    # Invalid data: the server's Chinese message appears next to the field.
    inspector.check("input[name=accepted][value=false]")
    inspector.click("#complete")
    expect(inspector.locator(".field[data-field=acceptance_opinion] .field-error")).to_be_visible()
    expect(inspector.locator(".field[data-field=refusal_reason] .field-error")).to_be_visible()
    shot(inspector, "05-task-form-errors")
    inspector.check("input[name=accepted][value=true]")
    inspector.fill("textarea[name=acceptance_opinion]", "事实清楚，证据充分，予以受理")
    inspector.click("#save-draft")
    expect(inspector.locator("#task-form")).to_contain_text("草稿已保存")
    inspector.fill("textarea[name=body]", "已电话联系投诉人核实情况")
    inspector.click("#comments button[type=submit]")
    expect(inspector.locator("#comments")).to_contain_text("已电话联系投诉人核实情况")
    inspector.click("#complete")
    inspector.wait_for_url(re.compile(r"/inbox\?msg=completed"))
    expect(inspector.locator("#flash")).to_contain_text("任务已办结")
    inspector.click("#tab-done")
    expect(inspector.locator("tr[data-business-key]", has_text="郑州某印刷有限公司")).to_have_count(1)
    shot(inspector, "06-inbox-done")


def test_second_claimer_sees_the_conflict(server, new_page):
    register_direct(server, employer="郑州某保安服务公司甲")
    first, second = new_page(), new_page()
    login(first, server.url, "inspector")
    login(second, server.url, "inspector2")
    for page in (first, second):
        page.goto(f"{server.url}/inbox?tab=group&employer=保安服务公司甲")
        expect(page.locator("tr[data-business-key] button.claim")).to_have_count(1)
    first.locator("button.claim").click()
    expect(first.locator("#flash")).to_contain_text("已认领")
    second.locator("button.claim").click()
    expect(second.locator("#flash .flash.error")).to_contain_text("已被张监察（inspector）认领")
    shot(second, "07-claim-conflict")


def test_bulk_claim_saved_filter_and_english(server, new_page):
    register_direct(server, employer="郑州某物流批量公司")
    register_direct(server, employer="郑州某物流批量公司")
    page = new_page()
    login(page, server.url, "inspector2")
    page.goto(f"{server.url}/inbox?tab=group&employer=物流批量")
    expect(page.locator("input[name=task_id]")).to_have_count(2)
    page.fill(".save-filter input[name=name]", "物流批量")
    page.select_option(".save-filter select[name=shared_group]", "zz-jinshui/inspection/inspector")
    page.click(".save-filter button[type=submit]")
    expect(page.locator("#saved-filters")).to_contain_text("物流批量")
    page.check("#check-all")
    page.click("#bulk-claim")
    expect(page.locator("#flash")).to_contain_text("已认领 2 项")
    # The filter is shared with the group: a colleague sees it.
    other = new_page()
    login(other, server.url, "inspector")
    other.goto(f"{server.url}/inbox")
    expect(other.locator("#saved-filters")).to_contain_text("物流批量")
    other.click("a.lang:has-text('English')")
    expect(other.locator("#tab-mine")).to_contain_text("My tasks")
    shot(other, "08-inbox-english")


def test_case_diagram_highlights_the_active_task(server, new_page):
    number = register_direct(server, employer="郑州某汽车销售图示公司")
    page = new_page()
    login(page, server.url, "inspector")
    page.goto(f"{server.url}/inbox?tab=group&employer=图示公司")
    page.locator("tr[data-business-key] td:nth-child(3) a").first.click()
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "ready", timeout=20000)
    active = diagram.get_attribute("data-active")
    assert active, "no active element highlighted"
    expect(page.locator(f"#diagram .djs-element.highlight-active[data-element-id='{active.split()[0]}']")).to_have_count(1)
    assert page.locator("#diagram .djs-element.highlight-completed").count() >= 1
    expect(page.locator("ol.timeline")).to_contain_text("案件启动")
    expect(page.locator("body")).to_contain_text(number)
    shot(page, "09-case-file-diagram")
