"""The dashboard's figures (``domain/reports/figures.py``): exact counts on seeded registrations and cases,
filtered by the viewer's jurisdiction (leadership: the bureau and its districts; division heads: their body),
the period and a district; refused to everyone else."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tests.intake.helpers import id_number, uscc
from tests.services import support
from workflow_app.domain.collaboration import emergencies
from workflow_app.domain.collaboration.models import InterAgencyTransfer
from workflow_app.domain.reports import figures
from workflow_app.platform.errors import Forbidden, Invalid, NotFound

pytestmark = pytest.mark.usefixtures("seeded")

PERIOD = figures.Period(date(2026, 11, 1), date(2026, 11, 30), "week")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)  # the frozen clock: 2026-11-20 10:00 China time


def register(db, n, *claims, district="zz-jinshui", channel="window", received="2026-11-20T09:00:00+08:00"):
    return support.register(db, *claims, channel=channel, received_at=received,
                            employer={"uscc": uscc(n), "district": district, "name": f"郑州某{n}号建筑有限公司"},
                            complainant={"id_number": id_number(n)})



@pytest.fixture
def seeded(db, who, city_leader):
    """Four registrations at the 金水 window: three about 金水 employers (window, window, 12333), one about an
    二七 employer (online, received in October); an emergency and a supervision on the 金水 inspection case;
    transfers with known acknowledgement times; police transfers at two steps."""
    first = register(db, 1, "wage_arrears", "dismissal_dispute")
    register(db, 2, "wage_arrears")
    register(db, 3, "wage_arrears", channel="phone_12333", received="2026-11-10T09:00:00+08:00")
    register(db, 4, "wage_arrears", district="zz-erqi", channel="online", received="2026-10-15T09:00:00+08:00")
    cases = {case["body"]: case for case in first["cases"]}
    with db.transaction() as s:
        emergencies.declare(s, who("inspector"), cases["inspection"]["id"],
                            {"kind": "mass_incident", "description": "三十余名工人聚集讨薪"})
    city = who("city_leader")
    with db.transaction() as s:
        emergencies.supervise(s, city, cases["inspection"]["id"],
                              {"reason": "市局挂牌督办", "deadline_rule": "15WD"})
    # Transfers whose acknowledgement times are the point of the test: written as the ledger rows they are.
    with db.transaction() as s:
        for i, hours in enumerate((1, 2, 3, 10)):
            s.add(_transfer(f"T{i}", "transfer", "zz-jinshui", "inspection", "zz-jinshui", "arbitration", hours=hours))
        s.add(_transfer("T9", "transfer", "zz-erqi", "inspection", "zz-erqi", "arbitration", hours=50))
        s.add(_transfer("P1", "police", "zz-jinshui", "inspection", "zz-jinshui", "police", status="transferred"))
        s.add(_transfer("P2", "police", "zz-jinshui", "inspection", "zz-jinshui", "police", status="filed"))
        s.add(_transfer("P3", "police", "zz-jinshui", "inspection", "zz-jinshui", "police", status="filed"))
    return cases


def _transfer(number, kind, from_bureau, from_body, to_bureau, to_body, hours=None, status="acknowledged"):
    sent = NOW - timedelta(days=2)
    return InterAgencyTransfer(
        number=number, kind=kind, from_bureau=from_bureau, from_body=from_body, to_bureau=to_bureau, to_body=to_body,
        reason="测试", materials=["材料"], status=status, created_at=sent, created_by="liaison", sent_at=sent,
        acknowledged_at=sent + timedelta(hours=hours) if hours is not None else None)


def figure(db, who, username, name, period=PERIOD, district=None):
    viewer = who(username)
    with db.transaction() as s:
        return figures.figure(s, viewer, name, period, district)


def test_complaints_by_channel_count_the_registrations_received_in_the_period(db, who):
    assert figure(db, who, "leader", "channel") == [{"channel": "window", "count": 2},
                                                    {"channel": "phone_12333", "count": 1}]


def test_the_city_leadership_sees_its_districts_and_a_longer_period_takes_october_in(db, who):
    autumn = figures.Period(date(2026, 10, 1), date(2026, 11, 30), "month")
    assert figure(db, who, "city_leader", "district", autumn) == [{"district": "zz-erqi", "count": 1},
                                                                  {"district": "zz-jinshui", "count": 3}]
    assert figure(db, who, "leader", "district", autumn) == [{"district": "zz-jinshui", "count": 3}]


def test_claims_by_issue_are_counted_per_week_starting_on_monday(db, who):
    rows = figure(db, who, "leader", "issue")
    assert [(r["bucket"], r["issue"], r["count"]) for r in rows] == [
        ("2026-11-09", "wage_arrears", 1), ("2026-11-16", "dismissal_dispute", 1), ("2026-11-16", "wage_arrears", 2)]


def test_claims_by_issue_per_month(db, who):
    autumn = figures.Period(date(2026, 10, 1), date(2026, 11, 30), "month")
    rows = figure(db, who, "city_leader", "issue", autumn)
    assert [(r["bucket"], r["issue"], r["count"]) for r in rows] == [
        ("2026-10-01", "wage_arrears", 1), ("2026-11-01", "dismissal_dispute", 1), ("2026-11-01", "wage_arrears", 3)]


def test_cases_by_stage_per_body_and_open_task(db, who):
    rows = figure(db, who, "leader", "stage")
    by_body = {}
    for row in rows:
        assert row["status"] == "running"
        by_body[row["body"]] = by_body.get(row["body"], 0) + row["count"]
    assert by_body == {"inspection": 3, "arbitration": 1}
    assert all(row["stage"] for row in rows)


def test_a_division_head_sees_the_cases_of_their_body_only(db, who):
    rows = figure(db, who, "head", "stage")
    assert {row["body"] for row in rows} == {"inspection"}
    assert sum(row["count"] for row in rows) == 3
    # complaints figures cover the whole jurisdiction (aggregates, no personal data)
    assert sum(r["count"] for r in figure(db, who, "head", "channel")) == 3


def test_overdue_rates_per_body_follow_the_clock(db, who, freeze_clock):
    rows = {row["body"]: row for row in figure(db, who, "leader", "overdue")}
    inspection = rows["inspection"]
    assert inspection["open_tasks"] == 3 and inspection["overdue_tasks"] == 0
    # the case received on 10 November is past its acceptance clock (5 working days)
    assert inspection["running_clocks"] >= 3 and inspection["overdue_clocks"] == 1
    freeze_clock(NOW + timedelta(days=60))
    later = {row["body"]: row for row in figure(db, who, "leader", "overdue")}["inspection"]
    assert later["overdue_tasks"] == 3 and later["task_rate"] == 1.0
    assert later["overdue_clocks"] == later["running_clocks"] and later["clock_rate"] == 1.0


def test_acknowledgement_times_have_a_nearest_rank_median_and_p90(db, who):
    rows = figure(db, who, "leader", "acks")
    transfer = [r for r in rows if r["kind"] == "transfer" and r["body"] == "arbitration"]
    assert transfer == [{"kind": "transfer", "body": "arbitration", "count": 4, "median_hours": 2.0, "p90_hours": 10.0}]
    city = [r for r in figure(db, who, "city_leader", "acks") if r["kind"] == "transfer"]
    assert city[0]["count"] == 5 and city[0]["p90_hours"] == 50.0


def test_the_police_pipeline_lists_every_step_in_order(db, who):
    rows = figure(db, who, "leader", "police")
    assert [r["step"] for r in rows][:3] == ["requested", "reporting", "reported"]
    counts = {r["step"]: r["count"] for r in rows if r["count"]}
    assert counts == {"transferred": 1, "filed": 2}
    assert figure(db, who, "arb_head", "police") == [{"step": s, "count": 0} for s in figures.POLICE_STEPS]


def test_emergencies_and_supervised_cases_open_and_closed(db, who):
    assert figure(db, who, "leader", "emergencies") == [{"flag": "emergency", "open": 1, "closed": 0},
                                                        {"flag": "supervised", "open": 1, "closed": 0}]
    assert figure(db, who, "arb_head", "emergencies") == [{"flag": "emergency", "open": 0, "closed": 0},
                                                          {"flag": "supervised", "open": 0, "closed": 0}]


def test_a_district_filter_narrows_the_city_view_and_refuses_a_district_outside_it(db, who):
    autumn = figures.Period(date(2026, 10, 1), date(2026, 11, 30), "month")
    assert figure(db, who, "city_leader", "channel", autumn, "zz-erqi") == [{"channel": "online", "count": 1}]
    with pytest.raises(Forbidden):
        figure(db, who, "leader", "channel", autumn, "zz-erqi")


@pytest.mark.parametrize("username", ["inspector", "clerk", "admin", "police"])
def test_officers_and_administrators_do_not_get_the_dashboard(db, who, username):
    with pytest.raises(Forbidden) as error:
        figure(db, who, username, "channel")
    assert error.value.message == "只有局领导和科室负责人可以查看统计看板"


def test_an_unknown_figure_and_a_reversed_period_are_refused(db, who):
    with pytest.raises(NotFound):
        figure(db, who, "leader", "salaries")
    with pytest.raises(Invalid):
        figures.period(date(2026, 11, 30), date(2026, 11, 1))


def test_the_default_period_is_the_ninety_days_up_to_today(db):
    p = figures.period()
    assert (p.start, p.end, p.grain) == (date(2026, 8, 23), date(2026, 11, 20), "week")
