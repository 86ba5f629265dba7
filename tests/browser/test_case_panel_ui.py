"""The case beside the task, words instead of codes, printing, English (docs/ui.md): in a real browser."""
from __future__ import annotations

from playwright.sync_api import expect

from workflow_app.domain.intake import registration
from workflow_app.entrypoints import demo
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

from .conftest import SHOTS, login, shot

EMPLOYER = "郑州某面板测试有限公司"


def _register(server, n: int) -> None:
    """Set-up: the clerk registers a wage claim of ¥36,000 (the window's page is tested elsewhere)."""
    data = {"kind": "complaint", "channel": "window",
            "complainant": {"name": "李四", "id_number": demo._demo_id_number(n), "phone": f"1380372{n:04d}"},
            "employer": {"name": f"{EMPLOYER}{n}", "uscc": demo._demo_uscc(n % 9 + 1), "district": "zz-jinshui"},
            "workers_affected": 1, "claims": [{"code": "wage_arrears", "amount": 36000, "months_unpaid": 3}],
            "violation_ongoing": True, "employment_ongoing": True}
    in_transaction(server.db, lambda s: registration.register(s, identity.principal_by_username(s, "clerk"), data))


def test_task_panel_words_print_and_english(server, new_page):
    n = 300 if "sqlite" in server.url else 301
    _register(server, n)
    employer = f"{EMPLOYER}{n}"
    page = new_page()
    login(page, server.url, "inspector")
    page.goto(f"{server.url}/inbox?tab=group&employer={employer}")
    page.locator("tr", has_text=employer).locator("a.task-link").click()

    # The task page carries its case: parties, claims in yuan, clocks with units; groups and people in words.
    panel = page.locator("#case-panel")
    expect(panel).to_contain_text(employer)
    expect(panel.locator("#panel-complainant")).to_contain_text("李四")
    expect(panel.locator(".panel-claims")).to_contain_text("¥36,000.00")
    expect(panel.locator(".panel-claims")).to_contain_text("拖欠工资")
    expect(panel.locator(".panel-clocks")).to_contain_text("个工作日")
    expect(page.locator("#candidate-group")).to_have_text("金水区人力资源和社会保障局·劳动保障监察·劳动保障监察员")
    expect(page.locator(".main .meta").first).not_to_contain_text("zz-jinshui/")
    page.click("#claim-task")
    expect(page.locator("#assignee")).to_have_text("张监察")
    page.fill("#comments textarea[name=body]", "材料齐全")
    page.click("#comments button[type=submit]")
    expect(page.locator("#comments")).to_contain_text("张监察")
    page.reload()
    expect(panel.locator(".panel-opinions")).to_contain_text("材料齐全")
    shot(page, "case-panel-01-task")

    # The case page: the timeline in words with the right actor, remaining time with its unit, a print view.
    panel.locator("h2 a").click()
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("开案")
    expect(timeline.locator("li", has_text="开案")).to_contain_text("系统")
    expect(timeline).not_to_contain_text("complaint.triage")
    expect(timeline).not_to_contain_text("inspector")
    expect(page.locator(".case-header .clock").first).to_contain_text("个工作日")
    expect(page.locator(".case-body")).to_contain_text("¥36,000.00")
    expect(page.locator("#print-case")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("#print-case")).to_be_hidden()
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("ol.timeline")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(SHOTS / "case-panel-print.pdf"), format="A4")
    shot(page, "case-panel-02-print")
    page.emulate_media(media="screen")

    # English: catalogue labels and error messages in English; an error never shows as a success.
    page.click("a.lang:has-text('English')")
    expect(page.locator(".case-body")).to_contain_text("Wage arrears")
    expect(page.locator("ol.timeline")).to_contain_text("Case opened")
    page.goto(f"{server.url}/cases/99999999")
    expect(page.locator("#error-message")).to_have_text("The case does not exist or you may not see it.")
    expect(page.locator("#flash .flash.ok")).to_have_count(0)
    shot(page, "case-panel-03-english-error")
