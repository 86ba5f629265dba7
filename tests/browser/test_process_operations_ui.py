"""流程管理 in a real browser: a process owner opens the process list, a version's live view with its counts
and the instances at an element, runs a dry run and migrates a running case to the new version; the
inspector then completes the case's tasks on the new version, reaching the task that version added.

Two versions of a small process are deployed beforehand (as a publication would deploy them) and one case
runs on the first; everything the owner and the inspector do happens in the browser.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.samples import form_bytes, simple
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.processes import registry
from workflow_app.platform.runtime import instances as runtime

from .conftest import login, shot

KEY = "t_ops"


def _deploy(server, tasks) -> None:
    files = {"t_ops.bpmn": simple(KEY, tasks).encode(), "t_form.json": form_bytes()}
    in_transaction(server.db, lambda s: registry.deploy(s, files, "owner"))


def _start(server, business_key: str) -> int:
    def run(s):
        admin = identity.principal_by_username(s, "admin")
        return runtime.start_instance(s, admin, KEY, business_key, "zz-jinshui", {"employer_name": "迁移测试单位"},
                                      employer_name="迁移测试单位").id
    return in_transaction(server.db, run)


def _complete_in_browser(page, base: str, business_key: str, task_name: str, note: str) -> None:
    page.goto(f"{base}/inbox?tab=group")
    row = page.locator("tr[data-business-key]", has_text=business_key)
    expect(row).to_contain_text(task_name)
    row.locator("button.claim").click()
    expect(page.locator("#flash")).to_contain_text("已认领")
    page.click("#tab-mine")
    page.locator("tr[data-business-key]", has_text=business_key).locator("a.task-link").click()
    expect(page.locator("h1")).to_contain_text(task_name)
    page.fill("[name=note]", note)
    page.click("#complete")
    page.wait_for_url(re.compile(r"/inbox\?msg=completed"))


def test_owner_sees_the_live_view_and_migrates_a_running_case(server, new_page):
    _deploy(server, (("accept", "受理登记"), ("review", "审核")))
    instance_id = _start(server, "OPS-0001")
    _start(server, "OPS-0002")
    _deploy(server, (("accept", "受理登记"), ("extra", "补充调查"), ("review", "审核")))  # v2 adds 补充调查

    page = new_page()
    login(page, server.url, "owner")
    expect(page).to_have_url(re.compile(r"/processes$"))  # a process owner's start page
    page.click("#nav-processes")
    row = page.locator(f"#process-{KEY}")
    expect(row.locator(".versions")).to_contain_text("v1：2")
    expect(row.locator(".running")).to_have_text("2")
    shot(page, "ops-01-process-list")

    # the live view picks v1, the version with running cases: two tokens at 受理登记
    row.locator("a.live-link").click()
    expect(page.locator("#live-diagram")).to_have_attribute("data-state", "ready")
    expect(page.locator("#total-running")).to_have_text("2")
    expect(page.locator("#live-diagram")).to_have_attribute("data-counts", re.compile(r"\baccept:2:0:0:0\b"))
    expect(page.locator(".live-counts[data-element=accept] .chip.tasks")).to_have_text("2")
    page.locator("[data-element-id=accept]").first.click()
    expect(page.locator("#element-instances")).to_contain_text("OPS-0001")
    expect(page.locator("#element-instances")).to_contain_text("OPS-0002")
    shot(page, "ops-02-live-view")

    # dry run v1 -> v2, then migrate only OPS-0001, confirmed
    page.click("text=迁移此版本的案件")
    page.select_option("#source", "1")
    page.select_option("#target", "2")
    page.click("#dry-run")
    table = page.locator("#dry-run-result")
    expect(table).to_contain_text("可迁移 2 个")
    expect(table.locator("tr[data-business-key=OPS-0001]")).to_contain_text("可迁移")
    shot(page, "ops-03-dry-run")
    table.locator("tr[data-business-key=OPS-0002] input[name=instance]").uncheck()
    page.click("#migrate-button")
    expect(page.locator("#migrate-error")).to_contain_text("请勾选确认")  # nothing moved without confirmation
    table = page.locator("#dry-run-result")
    table.locator("tr[data-business-key=OPS-0002] input[name=instance]").uncheck()
    page.check("#confirm")
    page.click("#migrate-button")
    expect(page.locator("#run-progress")).to_have_attribute("data-status", "finished")
    expect(page.locator("tr[data-business-key=OPS-0001]")).to_contain_text("已迁移")
    expect(page.locator("#run-progress")).to_contain_text("迁移成功 1，失败 0")
    shot(page, "ops-04-migrated")

    # the live view of v2 shows the moved case; v1 keeps the other
    page.goto(f"{server.url}/processes/{KEY}?version=2")
    expect(page.locator("#live-diagram")).to_have_attribute("data-state", "ready")
    expect(page.locator("#total-running")).to_have_text("1")

    # the inspector completes the case on v2: 受理登记, then the new 补充调查, then 审核
    inspector = new_page()
    login(inspector, server.url, "inspector")
    _complete_in_browser(inspector, server.url, "OPS-0001", "受理登记", "材料齐全，予以受理")
    _complete_in_browser(inspector, server.url, "OPS-0001", "补充调查", "已补充调查笔录")
    shot(inspector, "ops-05-new-task-done")
    _complete_in_browser(inspector, server.url, "OPS-0001", "审核", "审核通过")
    inspector.goto(f"{server.url}/cases/{instance_id}?view=process")
    expect(inspector.locator(".case-header h1 .badge.status-completed")).to_contain_text("已办结")
    shot(inspector, "ops-06-case-completed")
