"""A joint hearing (联合会商) of a difficult complaint in a real browser, through the UI only: the triage room's
review asks for it, inspection, audit and arbitration each give their written opinion from the hearing page,
the hearing page shows the three side by side, the room schedules it, writes the minutes and concludes by
sending the claims to two bodies, and the resulting cases exist (docs/ui.md "Joint hearings")."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_forms_ui import open_room_task, register_for_the_room

from .conftest import login, shot

EMPLOYER = "郑州某会商测试有限公司"


def open_hearing(page, server):
    page.goto(f"{server.url}/")
    page.click("header.top nav >> text=联合会商")
    row = page.locator("#hearings tr[data-hearing]", has_text=EMPLOYER)
    expect(row).to_have_count(1)
    row.locator("td a").first.click()
    expect(page.locator("h1")).to_contain_text("联合会商")


def claim_task(page):
    page.click("#claim-task")
    expect(page.locator("#complete")).to_be_visible()


def give_opinion(new_page, server, username, body, text, proposed):
    page = new_page()
    login(page, server.url, username)
    open_hearing(page, server)
    column = page.locator(f"#opinions article[data-body={body}]")
    expect(column).to_contain_text("待提交")
    column.locator("a.task-link").click()
    expect(page.locator("h1")).to_contain_text("出具书面意见")
    claim_task(page)
    page.fill("textarea[name=opinion]", text)
    page.select_option("select[name=proposed_body]", proposed)
    page.click("#complete")
    page.wait_for_url(re.compile(r"/inbox\?msg=completed"))


def rows_of(page, field, count):
    rows = page.locator(f".field[data-field={field}] tbody tr, .field[data-field={field}] li")
    while rows.count() < count:
        page.locator(f".field[data-field={field}] button.add-row").click()
    return rows


def open_room_step(page, server, name):
    open_hearing(page, server)
    page.locator("#hearing-todo a.task-link", has_text=name).click()
    expect(page.locator("h1")).to_contain_text(name)
    claim_task(page)


def test_the_room_asks_the_bodies_give_opinions_and_the_conclusion_splits_the_complaint(server, new_page):
    register_for_the_room(server, EMPLOYER)
    page = new_page()
    # 1. the triage room's review asks for a joint hearing instead of routing claim by claim
    login(page, server.url, "triage")
    open_room_task(page, server, EMPLOYER)
    page.check("input[name=room_decision][value=joint_hearing]")
    page.fill("textarea[name=hearing_reason]", "劳动关系是否成立存在重大争议，需三方共同会商")
    page.fill("textarea[name=room_opinion]", "事实不清、争议重大，提请联合会商")
    page.click("#complete")
    page.wait_for_url(re.compile(r"/inbox\?msg=completed"))
    open_hearing(page, server)
    expect(page.locator("#hearing-status")).to_have_text("征求书面意见")
    expect(page.locator("#opinions article.pending")).to_have_count(3)
    expect(page.locator("#claim-routes")).to_contain_text("拖欠工资")
    shot(page, "hearing-01-asked")

    # 2. each body gives its opinion from the hearing page (the process asks the officers' groups)
    give_opinion(new_page, server, "inspector", "inspection", "欠薪事实基本清楚，应由监察责令支付", "inspection")
    give_opinion(new_page, server, "auditor", "si_audit", "本案不涉及社会保险费，稽核不宜办理", "inspection")
    give_opinion(new_page, server, "arbitrator", "arbitration", "解除劳动合同争议属仲裁受理范围", "arbitration")

    # 3. the three opinions side by side
    open_hearing(page, server)
    columns = page.locator("#opinions article")
    expect(columns).to_have_count(3)
    expect(page.locator("#opinions article.pending")).to_have_count(0)
    expect(columns.nth(0)).to_contain_text("欠薪事实基本清楚")
    expect(columns.nth(1)).to_contain_text("稽核不宜办理")
    expect(columns.nth(2)).to_contain_text("仲裁受理范围")
    expect(columns.nth(2).locator(".proposed")).to_have_text("劳动人事争议仲裁")
    shot(page, "hearing-02-three-opinions")

    # 4. the room schedules the hearing (date, time, place, the three bodies' participants)
    open_room_step(page, server, "安排联合会商")
    page.fill("input[name=scheduled_at]", "2026-11-24T14:30")
    page.fill("input[name=place]", "市局三楼会议室")
    rows = rows_of(page, "participants", 3)
    for i, (name, body) in enumerate((("张监察", "inspection"), ("刘稽核", "si_audit"), ("陈仲裁", "arbitration"))):
        rows.nth(i).locator("input").first.fill(name)
        rows.nth(i).locator("select").first.select_option(body)
    shot(page, "hearing-03-schedule-form")
    page.click("#complete")
    page.wait_for_url(re.compile(r"/inbox\?msg=completed"))

    # 5. the minutes
    open_room_step(page, server, "会商纪要")
    page.fill("textarea[name=minutes_text]", "三方一致认为：欠薪由监察办理，解除劳动合同争议由仲裁办理。")
    attendees = rows_of(page, "attendees", 3)
    for i, name in enumerate(("张监察", "刘稽核", "陈仲裁")):
        attendees.nth(i).locator("input").first.fill(name)
    page.click("#complete")
    page.wait_for_url(re.compile(r"/inbox\?msg=completed"))

    # 6. the conclusion sends each claim (chosen by name, one row each) to a body: two bodies, two cases
    open_room_step(page, server, "会商结论与分送")
    routes = page.locator(".field[data-field=routes] tbody tr")
    expect(routes.nth(0).locator("select").nth(0).locator("option:checked")).to_have_text("拖欠工资")
    expect(routes.nth(1).locator("select").nth(0).locator("option:checked")).to_have_text("解除、终止劳动合同争议")
    routes.nth(0).locator("select").nth(1).select_option("inspection")
    routes.nth(1).locator("select").nth(1).select_option("arbitration")
    page.fill("textarea[name=conclusion]", "欠薪由监察办理，解除争议由仲裁办理")
    shot(page, "hearing-04-conclusion-form")
    page.click("#complete")
    page.wait_for_url(re.compile(r"/inbox\?msg=completed"))

    open_hearing(page, server)
    expect(page.locator("#hearing-status")).to_have_text("已结论分送")
    expect(page.locator("#hearing-when")).to_have_text("2026-11-24 14:30")
    expect(page.locator("#participants tbody tr")).to_have_count(3)
    expect(page.locator("#minutes")).to_contain_text("三方一致认为")
    expect(page.locator("#claim-routes tr[data-claim=wage_arrears]")).to_contain_text("劳动保障监察")
    expect(page.locator("#claim-routes tr[data-claim=dismissal_dispute]")).to_contain_text("劳动人事争议仲裁")
    opened = page.locator("#opened-cases li")
    expect(opened).to_have_count(2)
    expect(page.locator("#opened-cases")).to_contain_text("监案")
    expect(page.locator("#opened-cases")).to_contain_text("仲案")
    page.set_viewport_size({"width": 1366, "height": 1400})
    shot(page, "hearing-05-concluded")

    # 7. the resulting cases exist: inspection and arbitration open theirs from the hearing page
    for username, word in (("inspector", "监案"), ("arbitrator", "仲案")):
        page = new_page()
        login(page, server.url, username)
        open_hearing(page, server)
        page.locator("#opened-cases a", has_text=word).click()
        expect(page.locator("h1")).to_contain_text(word)
        expect(page.locator("h1")).to_contain_text("案卷")
    shot(page, "hearing-06-resulting-case")
