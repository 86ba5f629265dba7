"""The demo's collaboration work (``demo.seed_collaboration``): every journey of the liaison desk, the police
tracker, the joint hearings, the supervised cases and the leadership dashboard has something to walk in
金水区, for the demo user who walks it (README "What the demo contains")."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from workflow_app.domain.collaboration import emergencies, hearing_views, liaison_views
from workflow_app.domain.collaboration.models import InterAgencyTransfer
from workflow_app.domain.intake.models import Case
from workflow_app.domain.reports import figures
from workflow_app.entrypoints import demo
from workflow_app.platform import clock
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.models import AuditEvent, TaskRow


@pytest.fixture
def seeded(db):
    demo.seed_collaboration(db)
    return db


def _as(db, username, fn):
    with db.transaction() as s:
        return fn(s, identity.principal_by_username(s, username))


def _desk(db, username):
    return _as(db, username, lambda s, p: {(r["kind"], r["direction"], r["status"]): r
                                           for r in liaison_views.desk(s, p)})


def test_the_arbitration_liaison_desk_shows_a_transfer_waiting_with_its_clock_and_one_accepted(seeded):
    desk = _desk(seeded, "arb_liaison")
    waiting = desk[("transfer", "in", "sent")]
    assert waiting["clock"] is not None and waiting["task"]["name"] == "联络员签收移送函"
    accepted = desk[("transfer", "in", "accepted")]
    assert accepted["new_case_instance_id"] is not None
    assert desk[("assistance", "out", "sent")]["to_body"] == "inspection"
    assert desk[("notification", "out", "acknowledged")]["to_body"] == "inspection"  # the emergency's first intervention


def test_the_arbitrator_has_the_transferred_case_and_the_liaison_officers_their_requests(seeded):
    with seeded.transaction() as s:
        new_case = s.scalar(select(Case).join(InterAgencyTransfer, InterAgencyTransfer.new_case_id == Case.id))
        review = s.scalar(select(TaskRow).where(TaskRow.instance_id == new_case.instance_id, TaskRow.status == "open"))
        assert (new_case.body, review.name, review.assignee) == ("arbitration", "受理审查", "arbitrator")
    inspection = _desk(seeded, "liaison")
    assert inspection[("assistance", "in", "sent")]["task"]["name"] == "联络员签收移送函"
    assert inspection[("notification", "out", "acknowledged")]["to_body"] == "si_audit"
    assert ("notification", "in", "acknowledged") in _desk(seeded, "si_liaison")


def test_the_police_tracker_shows_a_transfer_at_the_heads_approval_and_one_with_the_police(seeded):
    steps = {r["status"]: r for r in _as(seeded, "head", liaison_views.police_transfers)}
    assert set(steps) == {"reported", "received"}
    with seeded.transaction() as s:
        head_task = s.scalar(select(TaskRow.name).where(TaskRow.business_key == steps["reported"]["number"],
                                                        TaskRow.status == "open"))
    assert head_task == "负责人审批移送"
    police = _as(seeded, "police", liaison_views.police_transfers)
    assert [r["number"] for r in police] == [steps["received"]["number"]]  # only what was handed over
    with seeded.transaction() as s:
        filing = s.scalar(select(TaskRow).where(TaskRow.business_key == steps["received"]["number"],
                                                TaskRow.status == "open"))
    assert (filing.name, filing.candidate_group) == ("记录公安立案决定", "zz-jinshui/police/liaison_officer")


def test_a_joint_hearing_started_by_the_triage_room_collects_opinions(seeded):
    hearing, = _as(seeded, "triage", hearing_views.visible_hearings)
    assert hearing["status"] == "opinions"
    page = _as(seeded, "triage", lambda s, p: hearing_views.hearing_page(s, p, hearing["id"]))
    given = {c["body"]: bool(c["opinion"]) for c in page["columns"]}
    assert given == {"inspection": False, "si_audit": False, "arbitration": True}
    mine, = _as(seeded, "inspector", hearing_views.visible_hearings)
    assert [t["name"] for t in mine["my_tasks"]] == ["出具书面意见"]
    with seeded.transaction() as s:
        assert s.scalar(select(AuditEvent.actor).where(AuditEvent.action == "hearing.request")) == "triage"


def test_an_emergency_and_a_supervised_case_and_the_dashboard_has_their_figures(seeded):
    with seeded.transaction() as s:
        urgent = s.scalars(select(Case).where(Case.urgent.is_(True))).all()
        assert any(c.fast_track and c.body == "arbitration" for c in urgent)
        city = identity.principal_by_username(s, "leader_city")
        supervised = s.execute(emergencies.supervised_query(s, city, status="open")).all()
        assert [case.jurisdiction for _, case in supervised] == ["zz-jinshui"]
        leader = identity.principal_by_username(s, "leader")
        period = figures.period()
        acks = figures.figure(s, leader, "acks", period)
        police = {r["step"]: r["count"] for r in figures.figure(s, leader, "police", period)}
        flags = {r["flag"]: r["open"] for r in figures.figure(s, leader, "emergencies", period)}
    assert {(r["kind"], r["body"]) for r in acks} == {("transfer", "arbitration"), ("notification", "si_audit"),
                                                      ("notification", "inspection"), ("police", "police")}
    assert all(r["median_hours"] > 0 for r in acks)  # the seeded steps are hours apart, not seconds
    assert (police["reported"], police["received"]) == (1, 1)
    assert flags["emergency"] >= 2 and flags["supervised"] == 1


def test_the_seeding_acts_as_the_demo_users_and_ends_at_now(seeded):
    with seeded.transaction() as s:
        actors = set(s.scalars(select(AuditEvent.actor)))
        latest = s.scalar(select(AuditEvent.occurred_at).order_by(AuditEvent.occurred_at.desc()).limit(1))
    assert "admin" not in actors
    assert actors >= {"clerk", "inspector", "liaison", "arb_liaison", "si_liaison", "head", "police", "leader",
                      "leader_city", "triage", "arbitrator"}
    assert clock.now() - timedelta(hours=2) < latest <= clock.now()
    assert isinstance(clock.get_clock(), clock.FrozenClock) and clock.now() == datetime(
        2026, 11, 20, 10, 0, tzinfo=clock.CHINA_TZ)  # the tests' clock is back


def test_the_pages_show_the_work_to_the_users_who_walk_it(seeded, as_user):
    with seeded.transaction() as s:
        waiting = s.scalar(select(InterAgencyTransfer.number).where(InterAgencyTransfer.kind == "transfer",
                                                                    InterAgencyTransfer.status == "sent"))
        handed_over = s.scalar(select(InterAgencyTransfer.number).where(InterAgencyTransfer.status == "received"))
    for username, path, expected in (("arb_liaison", "/liaison", waiting), ("police", "/police-transfers", handed_over),
                                     ("triage", "/joint-hearings", "会商"), ("leader_city", "/supervised-cases", "挂牌督办")):
        page = as_user(username).get(path)
        assert page.status_code == 200 and expected in page.text, (username, path)


@pytest.mark.parametrize("moment", [datetime(2027, 2, 10, 10, 0, tzinfo=clock.CHINA_TZ),
                                    datetime(2026, 12, 7, 8, 30, tzinfo=clock.CHINA_TZ)],
                         ids=["2027-02-10", "monday-morning"])
def test_the_collaboration_work_is_seeded_on_any_date(db, freeze_clock, moment):
    # The deadlines (acknowledgement, police steps, 30 working days of supervision) reach into a year without
    # calendar data, or the three days behind lie over a weekend.
    freeze_clock(moment)
    demo.seed_collaboration(db)
    with db.transaction() as s:
        statuses = sorted(s.scalars(select(InterAgencyTransfer.status)))
    assert statuses == ["accepted", "acknowledged", "acknowledged", "received", "reported", "sent", "sent"]
    assert clock.now() == moment


def test_the_demo_command_seeds_the_collaboration_work_once(db_url, capsys):
    from tests.conftest import make_app
    from workflow_app.entrypoints import cli
    assert cli.main(["--database-url", db_url, "demo", "--no-serve"]) == 0
    assert cli.main(["--database-url", db_url, "demo", "--no-serve"]) == 0  # seeded already: nothing again
    db = make_app(db_url).extensions["caseflow.db"]
    with db.transaction() as s:
        assert len(s.scalars(select(InterAgencyTransfer.id)).all()) == 7
    db.dispose()
