"""The quarterly liaison meeting in a real browser (docs/collaboration.md §5, docs/ui.md "Liaison meetings"): the
liaison officer opens this quarter's meeting from the nav, reads its agenda compiled from live data (with the
open item carried over from the last meeting), writes the minutes and assigns an action item to the
inspection head with a due date; the head finds the task in the inbox and completes it; the meeting page
then shows the item done.

Only the preconditions go through services: the quarterly schedules, last quarter's meeting with its open
item and this quarter's meeting as the worker starts it (``demo.seed_meeting_schedules``)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from workflow_app.entrypoints import demo

from .conftest import login, shot

ITEM = "核查社保欠缴线索并书面报告"


def test_minutes_and_an_action_item_that_its_owner_completes_from_the_inbox(server, new_page):
    demo.seed_meeting_schedules(server.db)

    liaison = new_page()
    login(liaison, server.url, "liaison")
    liaison.click("#nav-meetings")
    expect(liaison.locator("h1")).to_have_text("联席会议")
    shot(liaison, "meetings_list")
    # the quarterly schedules of the city and the district
    liaison.click("#schedules-link")
    expect(liaison.locator("#schedules tr[data-bureau=zz-jinshui]")).to_contain_text("已启用")
    expect(liaison.locator("#schedules tr[data-bureau=zz]")).to_contain_text("市级")
    shot(liaison, "meeting_schedules")
    liaison.go_back()
    liaison.locator("tr", has_text="2026Q4").locator("a.meeting-link").click()
    liaison.wait_for_url(re.compile(r"/liaison-meetings/\d+$"))
    # the agenda from live data, and last quarter's open item carried over
    agenda = liaison.locator("#agenda")
    expect(agenda).to_contain_text("逾期未签收的移送")
    expect(agenda).to_contain_text("上次会议未办结事项")
    expect(agenda.locator("[data-section=open_action_items] .badge")).to_have_text("1")
    carried = liaison.locator("#carried")
    expect(carried).to_contain_text("督促仲裁院签收逾期移送案件")
    expect(carried.locator("tr[data-status=open]")).to_have_count(1)
    expect(liaison.locator("#participants")).to_contain_text("周科长")
    shot(liaison, "meeting_agenda")

    # the minutes: too short first, then written out
    liaison.fill("#minutes-form textarea[name=minutes]", "太短")
    liaison.click("#save-minutes")
    expect(liaison.locator("#minutes .field-error")).to_have_text("会议纪要应为10至20000个字")
    minutes = "会议通报了本季度逾期移送和移送公安情况，各机构汇报了在办疑难案件，议定核查社保欠缴线索。"
    liaison.fill("#minutes-form textarea[name=minutes]", minutes)
    liaison.click("#save-minutes")
    expect(liaison.locator("#flash")).to_contain_text("会议纪要已保存")
    expect(liaison.locator("#meeting-status")).to_have_text("已召开")
    expect(liaison.locator("#minutes-form textarea[name=minutes]")).to_have_value(minutes)

    # an action item for the inspection head, due in two weeks
    liaison.fill("#item-form input[name=title]", ITEM)
    liaison.select_option("#item-form select[name=owner]", label="周科长")
    liaison.fill("#item-form input[name=due_on]", "2026-12-04")
    liaison.click("#add-item")
    expect(liaison.locator("#flash")).to_contain_text("事项已分派")
    row = liaison.locator("#action-items tr", has_text=ITEM)
    expect(row).to_contain_text("周科长")
    expect(row).to_contain_text("2026-12-04")
    expect(row).to_contain_text("未办结")
    shot(liaison, "meeting_item_assigned")

    # the head finds the task in the inbox (assigned to them) and completes it
    head = new_page()
    login(head, server.url, "head")
    head.goto(f"{server.url}/inbox?tab=mine")
    task_row = head.locator("tr[data-business-key]", has_text=ITEM)
    expect(task_row).to_have_count(1)
    shot(head, "meeting_item_inbox")
    task_row.locator("a.task-link").click()
    head.wait_for_url(re.compile(r"/tasks/"))
    expect(head.locator("body")).to_contain_text(ITEM)
    expect(head.locator("body")).to_contain_text("2026-12-04")
    head.fill("textarea[name=result]", "已核查三条线索，两条移送社保稽核立案")
    shot(head, "meeting_item_task")
    head.click("#task-form button#complete")
    expect(head.locator("#flash")).to_contain_text("任务已办结")

    # the meeting page shows the item done, with its result
    liaison.reload()
    row = liaison.locator("#action-items tr", has_text=ITEM)
    expect(row).to_have_attribute("data-status", "done")
    expect(row).to_contain_text("已办结")
    expect(row).to_contain_text("已核查三条线索")
    # the carried item is still open: it stays for the next meeting
    expect(liaison.locator("#carried tr[data-status=open]")).to_have_count(1)
    shot(liaison, "meeting_item_done")
