"""Finding a case in a real browser (docs/ui.md "Search"): the district's leader types part of an employer's
name into the top bar's search box, switches the results to 案件, pages to page 2 and opens a case from
there. The registrations themselves are made through the service (the registration form has its own test);
every step of the search is the UI's."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.intake.helpers import id_number, uscc
from workflow_app.domain.intake import registration
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

from .conftest import login, shot

EMPLOYER = "郑州某搜索测试建材有限公司"
#: One more than a page (20), so the results have a second page.
COUNT = 23


def register_many(server) -> list[str]:
    """``COUNT`` wage complaints against the same employer (each its own complainant), oldest first."""
    def run(s):
        clerk = identity.principal_by_username(s, "clerk")
        numbers = []
        for n in range(COUNT):
            data = {"kind": "complaint", "channel": "window", "received_at": f"2026-11-{1 + n % 19:02d}T09:00:00+08:00",
                    "complainant": {"name": f"搜索{n}", "id_number": id_number(500 + n), "phone": f"1390371{n:04d}"},
                    "employer": {"name": EMPLOYER, "uscc": uscc(500 + n), "district": "zz-jinshui"},
                    "workers_affected": 1, "claims": [{"code": "wage_arrears", "amount": 3000, "months_unpaid": 1}],
                    "violation_ongoing": True, "employment_ongoing": True}
            numbers.append(registration.register(s, clerk, data).number)
        return numbers
    return in_transaction(server.db, run)


def test_a_leader_searches_by_employer_pages_on_and_opens_a_case(server, new_page):
    register_many(server)
    page = new_page()
    login(page, server.url, "leader")
    page.fill("header .top-search input[name=q]", "搜索测试建材")
    page.click("header .top-search button")
    page.wait_for_url(re.compile(r"/search\?"))
    expect(page.locator("#search-results .summary")).to_contain_text(f"共 {COUNT} 条")
    expect(page.locator("#complaint-results tbody tr")).to_have_count(20)
    expect(page.locator("#complaint-results tbody tr").first).to_contain_text("139****")  # phones masked
    shot(page, "search-01-complaints")

    page.click("#kind-cases")
    expect(page.locator("#kind-cases")).to_have_class(re.compile("on"))
    expect(page.locator("#search-results .summary")).to_contain_text(f"共 {COUNT} 条")
    expect(page.locator("#case-results tbody tr")).to_have_count(20)
    shot(page, "search-02-cases")

    page.click("nav.pager a[rel=next]")
    expect(page.locator("#search-results .summary")).to_contain_text("第 2 / 2 页")
    rows = page.locator("#case-results tbody tr")
    expect(rows).to_have_count(COUNT - 20)
    expect(page.locator("nav.pager a[rel=prev]")).to_be_visible()
    shot(page, "search-03-cases-page-2")

    link = rows.first.locator("td a").first
    number = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("main")).to_contain_text(number)
    expect(page.locator("main")).to_contain_text(EMPLOYER)
    shot(page, "search-04-case")


def test_a_bad_date_is_explained_on_the_form(server, new_page):
    page = new_page()
    login(page, server.url, "clerk")
    page.goto(f"{server.url}/search?kind=cases&employer=建材&to=2026-11-01&from=2026-11-20")
    expect(page.locator("#search-error")).to_contain_text("截止日期不能早于起始日期")
    expect(page.locator("#search-form input[name=employer]")).to_have_value("建材")
    shot(page, "search-05-bad-dates")
