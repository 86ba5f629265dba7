"""A police transfer through the pages only (docs/ui.md "Liaison work"): the inspector opens the case, goes
from the case page's action bar to /cases/<id>/police-transfer/new, sees the region's thresholds and the eligibility check, starts it and
records the special team's report on the tracker; the division head approves in the inbox's task page; the
inspection liaison officer records the handover and the police liaison officer the police receipt and the
filing decision on the tracker, which then shows the next step. Only the complaint is registered through
the service (the registration's own browser tests cover that)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import login, shot
from .test_files_ui import open_case_of
from .test_transfer_files_ui import open_task
from .test_web_ui import register_direct

EMPLOYER = "郑州某移送公安测试有限公司"
CHECKLIST = ["移送书", "调查报告", "涉案物品清单", "检验鉴定结论", "责令支付文书", "送达证明", "工资支付记录和劳动者陈述"]


def open_transfer(page, server, number: str) -> None:
    page.goto(f"{server.url}/police-transfers")
    page.locator(f"tr[data-number='{number}'] a.transfer-link").click()
    page.wait_for_url(re.compile(r"/police-transfers/\d+$"))


def test_a_police_transfer_from_the_case_to_the_police_filing_decision(server, new_page):
    register_direct(server, employer=EMPLOYER)

    inspector = new_page()
    login(inspector, server.url, "inspector")
    open_case_of(inspector, server, "移送公安测试")
    inspector.click("a.action-button[data-action=police_transfer]")  # the case page's action bar
    inspector.wait_for_url(re.compile(r"/police-transfer/new$"))
    expect(inspector.locator("#thresholds")).to_contain_text("10000")
    # First facts that do not qualify: the check says what is missing, and starting is refused.
    inspector.check("input[name=order_served]")
    inspector.fill("#order_deadline", "2026-11-25")
    inspector.locator("input[name=worker_amount]").first.fill("12000")
    inspector.locator("input[name=worker_months]").first.fill("4")
    inspector.fill("#reason", "逾期拒不支付劳动报酬，法定代表人失联")
    inspector.click("#start")
    expect(inspector.locator("#refusal")).to_contain_text("不符合移送条件，未发起移送")
    expect(inspector.locator("#eligibility")).to_contain_text("责令支付的期限尚未届满")
    shot(inspector, "police-01-refused")
    inspector.fill("#order_deadline", "2026-11-10")
    inspector.check("input[name=evasion]")
    inspector.click("#check")
    expect(inspector.locator("#eligibility")).to_contain_text("符合移送条件")
    shot(inspector, "police-02-eligible")
    inspector.click("#start")
    inspector.wait_for_url(re.compile(r"/police-transfers/\d+$"))
    number = inspector.locator("h1").inner_text().split(" ", 1)[1].strip()
    expect(inspector.locator("#current-step")).to_contain_text("组成专案组、撰写移送报告")
    inspector.select_option("select[name='team[0]']", "inspector")
    inspector.select_option("select[name='team[1]']", "inspector2")
    inspector.fill("textarea[name=report]", "经调查，该公司拖欠工资一万二千元，逾期拒不支付，法定代表人失联。")
    shot(inspector, "police-03-report")
    inspector.click("#record")
    expect(inspector.locator("#recorded")).to_be_visible()
    expect(inspector.locator("#current-step")).to_contain_text("负责人审批移送")

    head = new_page()
    login(head, server.url, "head")
    open_task(head, server, number)
    head.check("input[name=approved][value=true]")
    head.fill("[name=approval_opinion]", "同意移送公安机关")
    head.click("#complete")
    head.wait_for_url(re.compile(r"/inbox\?msg=completed"))

    liaison = new_page()
    login(liaison, server.url, "liaison")
    open_transfer(liaison, server, number)
    expect(liaison.locator("#current-step")).to_contain_text("移送公安机关")
    for item in CHECKLIST:
        liaison.locator("#step-form label.check", has_text=item).locator("input").check()
    liaison.fill("[name=police_unit]", "郑州市公安局金水分局")
    liaison.click("#record")
    expect(liaison.locator("#side")).to_contain_text("公安机关")

    officer = new_page()
    login(officer, server.url, "police")
    officer.goto(f"{server.url}/police-transfers")
    row = officer.locator(f"tr[data-number='{number}']")
    expect(row.locator(".step")).to_contain_text("记录公安机关回执")
    shot(officer, "police-04-tracker-police")
    open_transfer(officer, server, number)
    officer.fill("[name=receipt_no]", "金公回〔2026〕118号")
    officer.fill("[name=forwarded_to]", "本机关管辖")
    officer.click("#record")
    expect(officer.locator("#current-step")).to_contain_text("记录公安立案决定")
    officer.select_option("select[name=filing_decision]", "filed")
    officer.fill("[name=decision_note]", "金公立字〔2026〕56号立案决定书")
    shot(officer, "police-05-filing")
    officer.click("#record")
    expect(officer.locator("#status")).to_contain_text("公安已立案")
    expect(officer.locator("#history")).to_contain_text("记录公安立案决定")
    officer.goto(f"{server.url}/police-transfers")
    expect(row.locator(".step")).to_contain_text("移交涉案物品")
    expect(row.locator(".side")).to_contain_text("人社（劳动保障监察）")
    shot(officer, "police-06-tracker-next-step")

    # The inspection liaison officer finds it in the 移送台账 (filtered to police transfers) and on the desk's nav.
    liaison.click("header.top nav >> text=台账")
    liaison.wait_for_url(re.compile(r"/ledgers/zz-jinshui/inspection"))
    liaison.select_option("select[name=kind]", "police")
    liaison.click("#ledger-filters button[type=submit]")
    expect(liaison.locator(f"#ledger tr[data-number='{number}']")).to_contain_text("公安已立案")
    expect(liaison.locator("#export")).to_have_attribute("href", re.compile(r"export\.xlsx\?.*kind=police"))
    shot(liaison, "police-07-ledger")
