"""The dashboard's roll-ups (``domain/reports/rollups.py``): after a rebuild the figures read the day buckets
and snapshots and equal the raw aggregates; an incremental refresh recounts only the days touched, is
idempotent, counts back-dated receipts, leaves the old figures when it fails half-way, and a second worker
skips while the first holds the state row; the worker and ``caseflow reports rebuild`` run it."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.intake.helpers import id_number, uscc
from tests.services import support
from workflow_app.domain.reports import figures, rollups
from workflow_app.domain.reports.models import ClaimDay, ComplaintDay, OverdueSnapshot, StageSnapshot
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

NOVEMBER = figures.Period(date(2026, 11, 1), date(2026, 11, 30), "week")
AUTUMN = figures.Period(date(2026, 9, 1), date(2026, 11, 30), "month")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)  # the frozen clock


def register(db, n, *claims, district="zz-jinshui", channel="window", received="2026-11-20T09:00:00+08:00"):
    return support.register(db, *claims, channel=channel, received_at=received,
                            employer={"uscc": uscc(n), "district": district, "name": f"郑州某{n}号建筑有限公司"},
                            complainant={"id_number": id_number(n)})


@pytest.fixture
def seeded(db):
    def create(s):
        identity.create_user(s, "city_leader", "市局领导")
        identity.add_membership(s, "city_leader", "zz/leadership/leadership")
    in_transaction(db, create)
    register(db, 1, "wage_arrears", "dismissal_dispute")
    register(db, 2, "wage_arrears", received="2026-11-19T23:30:00+08:00")  # the China day, not the UTC one
    register(db, 3, "wage_arrears", channel="phone_12333", received="2026-11-10T09:00:00+08:00")
    register(db, 4, "wage_arrears", district="zz-erqi", channel="online", received="2026-10-15T07:00:00+08:00")


def every_figure(db, who, username="city_leader"):
    out = {}
    with db.transaction() as s:
        for name in ("channel", "district", "issue", "stage", "overdue"):
            for p in (NOVEMBER, AUTUMN):
                out[(name, p.grain)] = figures.figure(s, who(username), name, p)
    return out


def table(db, model):
    with db.transaction() as s:
        return sorted(tuple(str(v) for k, v in vars(row).items() if not k.startswith("_") and k != "id")
                      for row in s.scalars(select(model)))


def test_the_rolled_up_figures_equal_the_raw_aggregates(db, who, seeded):
    raw = every_figure(db, who)  # no refresh yet: every row above the (zero) watermarks, counted raw
    raw_head = every_figure(db, who, "head")  # a division head: their body, the complaints of the jurisdiction
    assert raw[("channel", "week")] == [{"channel": "window", "count": 2}, {"channel": "phone_12333", "count": 1}]
    result = rollups.rebuild(db)
    assert result["complaints"] == 4 and result["snapshots"]
    with db.transaction() as s:
        state = rollups.state(s)
        assert state.complaint_watermark == 4 and state.case_watermark >= 4 and state.snapshot_at == NOW
    assert table(db, ComplaintDay) and table(db, ClaimDay) and table(db, StageSnapshot) and table(db, OverdueSnapshot)
    assert every_figure(db, who) == raw
    assert every_figure(db, who, "head") == raw_head
    with db.transaction() as s:
        assert {(r.day, r.channel): r.count for r in s.scalars(select(ComplaintDay))} == {
            (date(2026, 11, 20), "window"): 1, (date(2026, 11, 19), "window"): 1,
            (date(2026, 11, 10), "phone_12333"): 1, (date(2026, 10, 15), "online"): 1}


def test_an_incremental_refresh_recounts_the_new_days_only_and_is_idempotent(db, who, seeded):
    rollups.rebuild(db)
    before = table(db, ComplaintDay), table(db, ClaimDay)
    assert rollups.advance(db) == 0 and (table(db, ComplaintDay), table(db, ClaimDay)) == before
    register(db, 5, "wage_arrears", channel="letter")
    fresh = every_figure(db, who)  # the new complaint is counted before any refresh (the raw rows above the mark)
    assert {"channel": "letter", "count": 1} in fresh[("channel", "week")]
    assert rollups.advance(db) == 1
    assert rollups.advance(db) == 0
    assert every_figure(db, who) == fresh
    incremental = table(db, ComplaintDay), table(db, ClaimDay)
    assert incremental != before
    rollups.advance(db, full=True)
    assert (table(db, ComplaintDay), table(db, ClaimDay)) == incremental  # the same as a full recount


def test_a_back_dated_receipt_is_counted_in_its_own_day(db, who, seeded):
    rollups.rebuild(db)
    register(db, 6, "dismissal_dispute", channel="letter", received="2026-09-03T10:00:00+08:00")
    expected = every_figure(db, who)
    assert {"channel": "letter", "count": 1} in expected[("channel", "month")]
    assert rollups.advance(db) == 1
    assert every_figure(db, who) == expected
    with db.transaction() as s:
        assert s.scalar(select(ComplaintDay.count).where(ComplaintDay.day == date(2026, 9, 3))) == 1
        assert s.scalar(select(ClaimDay.code).where(ClaimDay.day == date(2026, 9, 3))) == "dismissal_dispute"


def test_the_snapshots_stand_at_their_instant_and_new_cases_are_added(db, who, seeded, freeze_clock):
    rollups.rebuild(db)
    with db.transaction() as s:
        assert figures.as_of(s, "overdue") == NOW and figures.as_of(s, "channel") is None
    stage = every_figure(db, who)[("stage", "week")]
    register(db, 7, "wage_arrears", received="2026-11-20T09:30:00+08:00")
    grown = every_figure(db, who)[("stage", "week")]
    assert sum(r["count"] for r in grown) > sum(r["count"] for r in stage)  # the new cases, counted live
    overdue = every_figure(db, who)[("overdue", "week")]
    freeze_clock(NOW + timedelta(days=400))  # everything running is overdue by then ...
    assert every_figure(db, who)[("overdue", "week")] == overdue  # ... but the snapshot stands at its instant
    assert rollups.run_due(db) == 2  # both are due a year later
    with db.transaction() as s:
        assert figures.as_of(s, "stage") == NOW + timedelta(days=400)
    assert every_figure(db, who)[("stage", "week")] == grown
    later = {r["body"]: r for r in every_figure(db, who)[("overdue", "week")]}
    assert later["inspection"]["task_rate"] == 1.0
    assert rollups.run_due(db) == 0  # nothing due again at the same instant


def test_a_refresh_failing_half_way_leaves_the_old_figures(db, who, seeded, monkeypatch):
    rollups.rebuild(db)
    before = every_figure(db, who), table(db, ComplaintDay), table(db, StageSnapshot)
    register(db, 8, "wage_arrears", channel="letter", received="2026-11-02T09:00:00+08:00")
    expected = every_figure(db, who)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(rollups, "_stage_snapshot", broken)
    with pytest.raises(RuntimeError):
        rollups.snapshot(db)
    real_recount = rollups._recount

    def half(session, days, watermark):
        real_recount(session, days, watermark)
        raise RuntimeError("crash after the recount")
    monkeypatch.setattr(rollups, "_recount", half)
    with pytest.raises(RuntimeError):
        rollups.advance(db)
    assert (table(db, ComplaintDay), table(db, StageSnapshot)) == before[1:]
    with db.transaction() as s:
        assert rollups.state(s).complaint_watermark == 4 and rollups.state(s).snapshot_at == NOW
    assert every_figure(db, who) == expected  # still exact: the new complaint above the unchanged watermark


def test_a_second_worker_skips_while_the_first_holds_the_state_row(db, seeded):
    """PostgreSQL: the second worker skips the pass the first holds. SQLite has a single writer, so a second
    worker waits for the first's commit and then finds nothing left to add: never counted twice."""
    rollups.rebuild(db)
    register(db, 9, "wage_arrears")
    if db.is_sqlite:
        assert rollups.advance(db) == 1 and rollups.advance(db) == 0
        return
    with db.transaction() as first:
        assert rollups._locked_state(first) is not None
        assert rollups.advance(db) is None and rollups.snapshot(db) is False
    assert rollups.advance(db) == 1


def test_the_worker_and_the_cli_keep_the_roll_ups(db, db_url, seeded, capsys):
    from workflow_app.entrypoints import cli
    from workflow_app.entrypoints.worker import Worker
    Worker(db).run_once()
    with db.transaction() as s:
        assert rollups.state(s).complaint_watermark == 4 and rollups.state(s).snapshot_at == NOW
    register(db, 10, "wage_arrears")
    assert cli.main(["--database-url", db_url, "reports", "rebuild"]) == 0
    assert "dashboard roll-ups rebuilt" in capsys.readouterr().out
    with db.transaction() as s:
        assert rollups.state(s).complaint_watermark == 5
