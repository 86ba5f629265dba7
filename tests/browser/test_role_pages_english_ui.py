"""The role pages in English (docs/ui.md "Role pages in English"): each demo user logs in, switches the top
bar to English and opens the pages of the role; what the interface itself says — navigation, headings, tabs,
table headers, buttons, filter labels, badges, empty states — has no Chinese. Data stays Chinese (names,
bureau names, case numbers, task names of the process definitions): the check leaves out form controls'
options and values, links into cases and tasks, and whatever a template marks ``class="data"``.

Preconditions through the services: open tasks of three bodies of 金水 held by different people, so the
leader's board has several person groups (its screenshot shows the group headers)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.services import support

from .conftest import login, shot

#: Interface text: the elements checked, and the data inside them left out of the check.
CHECKED = ("header.top nav a, header.top .right a:not(.lang), h1, h2, h3, th, button, label, .tabs a, .subnav a, .badge, .empty, "
           "p.muted, p.meta, .flash, legend, dt, .action-button")
DATA = ".data, select, option, textarea, input, a[href*='/cases/'], a[href*='/tasks/'], a[href*='/admin/users/'], " \
       "a[href*='/liaison-meetings/'], a[href*='/joint-hearings/'], a[href*='/police-transfers/'], code"
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]")

_INTERFACE_TEXT = """([checked, data]) => {
  const out = [];
  for (const el of document.querySelectorAll(checked)) {
    if (el.closest(data) && !el.matches('select, option')) continue;
    const copy = el.cloneNode(true);
    copy.querySelectorAll(data).forEach(d => d.remove());
    const text = copy.textContent.replace(/\\s+/g, ' ').trim();
    if (text) out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}: ${text}`);
  }
  return out;
}"""

BUREAU = "金水区人力资源和社会保障局"


@pytest.fixture(scope="module")
def held(server) -> dict[str, str]:
    """The case numbers (business keys) of the open tasks, by who holds them (``nobody``: unassigned)."""
    db, held = server.db, {}
    for username, claim in (("inspector", "wage_arrears"), ("auditor", "si_fraud"),
                            ("arbitrator", "labor_relation_confirmation")):
        case = next(iter(support.open_cases(db, claim).values()))
        support.claim(db, username, support.tasks(db, case["number"])[0].id)
        held[username] = case["number"]
    for n, username in enumerate(("inspector2", "head", None), start=1):
        key = f"EN{n:04d}"
        support.start(db, business_key=key, employer_name=f"郑州某英文界面测试{n}有限公司")
        if username:
            support.claim(db, username, support.task(db, key).id)
        held[username or "nobody"] = key
    return held


def _chinese_interface_text(page) -> list[str]:
    texts = page.evaluate(_INTERFACE_TEXT, [CHECKED, DATA])
    return [t for t in texts if CJK.search(t.split(": ", 1)[1])]


def _check(page, base: str, path: str, name: str) -> list[str]:
    """Opens the page; the interface texts with Chinese in them, each with the page's path."""
    answer = page.goto(base + path)
    assert answer.status == 200, (path, answer.status)
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shot(page, f"english_{name}")
    return [f"{path} {text}" for text in _chinese_interface_text(page)]


def _english(page, base: str, username: str) -> None:
    login(page, base, username)
    page.click("a.lang:has-text('English')")
    expect(page.locator("html")).to_have_attribute("lang", "en")


PAGES = {
    "head": ["/team", "/team/escalations", "/supervised-cases", "/liaison-meetings"],
    "leader": ["/team", "/dashboard", "/supervised-cases", "/search"],
    "liaison": ["/liaison", "/ledgers", "/police-transfers", "/liaison-meetings", "/liaison-meetings/schedules"],
    "arb_liaison": ["/liaison", "/joint-hearings"],
    "police": ["/police-transfers", "/search"],
    "admin": ["/admin", "/admin/users", "/admin/users/inspector", "/admin/groups", "/admin/certificates",
              "/admin/calendar", "/admin/numbering", "/me/tokens"],
}


def test_every_role_page_speaks_english(server, new_page, held):
    inspection, chinese = held["inspector"], []
    for username, paths in PAGES.items():
        page = new_page()
        _english(page, server.url, username)
        for path in paths:
            chinese += [f"{username} {t}" for t in _check(page, server.url, path,
                                                           f"{username}_{path.strip('/').replace('/', '_')}")]
        page.context.close()

    inspector = new_page()
    _english(inspector, server.url, "inspector")
    chinese += _check(inspector, server.url, "/search?kind=cases&q=" + inspection, "inspector_search")
    assert chinese == []
    inspector.click(f"a:has-text('{inspection}')")
    inspector.wait_for_load_state("networkidle")
    bar = inspector.locator("#case-actions")
    expect(bar).to_be_visible()
    assert [t for t in bar.locator(".action-button").all_inner_texts() if CJK.search(t)] == []
    shot(inspector, "english_inspector_case_actions")


def test_the_leaders_board_groups_every_body_in_english(server, new_page, held):
    leader = new_page()
    _english(leader, server.url, "leader")
    leader.click("#nav-team-link")
    leader.wait_for_url(re.compile(r"/team"))
    for person, name in (("inspector", "张监察"), ("inspector2", "赵监察"), ("head", "周科长"),
                         ("auditor", "刘稽核"), ("arbitrator", "陈仲裁")):
        head = leader.locator(f"tbody.person-group[data-person={person}] .group-head")
        expect(head).to_have_text(re.compile(rf"^\s*{name} \(\d+\)\s*$"))
        assert head.bounding_box()["height"] < 40, person  # one line: the header is not squeezed
    for number in held.values():
        expect(leader.locator(f"#team-tasks tr[data-business-key='{number}']")).to_have_count(1)
    expect(leader.locator("#team-filters ~ p")).to_have_text(f"Scope: {BUREAU}")
    shot(leader, "english_leader_team_many_people")
    leader.locator("#workload").scroll_into_view_if_needed()
    shot(leader, "english_leader_team_workload")
    assert _chinese_interface_text(leader) == []
