"""The case page draws a library diagram as drawn (docs/diagrams.md "On the case page"): the police transfer
shows its pool and lanes, readable, with the current step highlighted; "全图" fits the whole diagram."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from workflow_app.domain.collaboration import police
from workflow_app.domain.intake.models import Case
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

from .conftest import VIEWPORT, login, shot
from .test_web_ui import register_direct

EMPLOYER = "郑州某泳道图示有限公司"
FACTS = {"order_served": True, "order_deadline": "2026-11-10", "paid": False, "evasion": True,
         "workers": [{"amount": 12000, "months_unpaid": 4}], "reason": "逾期拒不支付劳动报酬，法定代表人失联"}


def start_police_transfer(server) -> int:
    """A police transfer of the employer's inspection case, started through the service as the inspector."""
    register_direct(server, employer=EMPLOYER)

    def run(s):
        case = s.scalars(select(Case).where(Case.employer_name == EMPLOYER)).first()
        return police.start(s, identity.principal_by_username(s, "inspector"), case.id, FACTS).instance_id
    return in_transaction(server.db, run)


def test_the_police_transfer_diagram_shows_its_lanes_and_the_current_step(server, new_page):
    instance_id = start_police_transfer(server)
    page = new_page()
    login(page, server.url, "inspector")
    page.goto(f"{server.url}/cases/{instance_id}")   # a police transfer's page is its tracker page
    page.click("#process-diagram")
    page.wait_for_url(lambda url: f"/cases/{instance_id}?view=process" in url)
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "ready", timeout=20000)
    # Drawn from the file's DI: the pool and its five lanes, not an auto-layout strip.
    expect(page.locator("#diagram .djs-element[data-element-id='Participant_police_transfer']")).to_have_count(1)
    for lane in ("lane_0", "lane_1", "lane_4"):
        expect(page.locator(f"#diagram .djs-element[data-element-id='{lane}']")).to_be_visible()
    box = diagram.bounding_box()
    assert 380 <= box["height"] <= VIEWPORT["height"] * 0.75 + 1
    assert box["width"] > 1000  # a wide diagram takes the card's full width
    # Readable: the view keeps a readable scale around the current step, which is highlighted.
    assert diagram.get_attribute("data-view") == "readable"
    assert "report" in diagram.get_attribute("data-active").split()
    report = page.locator("#diagram .djs-element.highlight-active[data-element-id='report']")
    expect(report).to_be_visible()
    task = report.bounding_box()
    assert task["width"] >= 55  # a 100 px task at scale 0.6 or more, inside the visible part of the diagram
    assert box["x"] <= task["x"] and task["x"] + task["width"] <= box["x"] + box["width"]
    assert box["y"] <= task["y"] and task["y"] + task["height"] <= box["y"] + box["height"]
    expect(page.locator("#diagram .djs-element.highlight-completed[data-element-id='check']")).to_have_count(1)
    shot(page, "diagram-01-police-transfer-lanes")
    page.click("#diagram-tools button[data-zoom=fit]")
    expect(page.locator("#diagram .djs-element[data-element-id='end_admin']")).to_be_visible()
    expect(page.locator("#diagram .djs-element[data-element-id='lane_0']")).to_be_visible()
    shot(page, "diagram-02-police-transfer-whole")
    page.click("#diagram-tools button[data-zoom=current]")
    expect(report).to_be_visible()
