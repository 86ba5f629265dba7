"""Transfers, notifications and assistance requests between bodies (``domain/collaboration/transfers.py``)
and the ledgers that list them (``ledgers.py``): request, package and send, acknowledge, accept or return
(docs/collaboration.md §1). The request and the answer travel through the outbox, delivered here as the
worker delivers them (``platform/messaging/outbox.py``)."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from tests.services import support
from workflow_app.domain.collaboration import ledgers, transfers
from workflow_app.domain.collaboration.models import InterAgencyTransfer
from workflow_app.platform.errors import Conflict, Forbidden, Invalid, NotFound

pytestmark = pytest.mark.usefixtures("colleagues")

PACKAGE, ACK = "联络员审核并制作移送函", "联络员签收移送函"
LETTER = "兹将本案移送贵单位依法处理，请于三个工作日内签收。此致"
REASON = "经初步调查属于劳动争议，应由仲裁院处理"
UTC = timezone.utc


@pytest.fixture
def case(db):
    """A 金水区 inspection case opened by a registration (wage arrears)."""
    return support.open_cases(db, "wage_arrears")["inspection"]


def request(db, who, case, username="inspector", **data) -> InterAgencyTransfer:
    data = {"to_body": "arbitration", "reason": REASON, "materials": ["投诉登记表", "调查笔录"], **data}
    with db.transaction() as s:
        return transfers.create_transfer(s, who(username), case["id"], data)


def current(db, row: InterAgencyTransfer) -> InterAgencyTransfer:
    """The transfer's ledger row as it stands now."""
    with db.transaction() as s:
        return s.get(InterAgencyTransfer, row.id)


def send(db, row, username="liaison"):
    """The sending liaison officer packages and sends the request; the outbox delivers it."""
    support.work(db, username, row.number, PACKAGE, {"send": True, "materials": list(row.materials),
                                                     "letter": LETTER, "refusal_reason": ""})
    support.deliver_messages(db)


def answer(db, row, username="arb_liaison", **data):
    support.work(db, username, f"{row.number}-收", ACK, {"ack_note": "已审查", **data})


def ledger(db, who, username, bureau="zz-jinshui", body="inspection", **filters) -> list[str]:
    with db.transaction() as s:
        return [r.number for r in s.scalars(ledgers.query(s, who(username), bureau, body, **filters))]


def test_a_transfer_request_is_numbered_and_waits_for_the_sending_liaison_officer(db, who, case):
    row = request(db, who, case)
    assert (row.number, row.status, row.from_body, row.to_body) == ("金水人社移〔2026〕00001号", "requested",
                                                                    "inspection", "arbitration")
    assert support.task(db, row.number, username="liaison").name == PACKAGE
    assert support.tasks(db, row.number, username="inspector") == []  # the handler does not package it


def test_a_sent_request_reaches_the_receiving_liaison_officer_with_a_three_working_day_deadline(db, who, case):
    row = request(db, who, case)
    send(db, row)
    acknowledgement = support.task(db, f"{row.number}-收", username="arb_liaison")
    assert acknowledgement.name == ACK
    assert acknowledgement.due_at == datetime(2026, 11, 25, 15, 59, 59, tzinfo=UTC)  # Wednesday 25 Nov
    assert (current(db, row).status, current(db, row).ack_due_at) == ("sent", acknowledgement.due_at)


def test_an_accepted_transfer_opens_the_receiving_bodys_case_with_the_claims(db, who, case):
    row = request(db, who, case)
    send(db, row)
    answer(db, row, decision="accept")
    accepted = current(db, row)
    assert (accepted.status, accepted.acknowledged_by) == ("accepted", "arb_liaison")
    opened = support.case(db, accepted.new_case_id)
    assert (opened["number"], opened["body"], opened["source"]) == ("金水劳人仲案〔2026〕00001号", "arbitration",
                                                                    "transfer")
    assert [c["code"] for c in opened["claims"]] == ["wage_arrears"]
    assert [t["name"] for t in opened["open_tasks"]] == ["受理审查"]


def test_an_accepted_transfer_lets_each_side_follow_the_others_case(db, who, case):
    row = request(db, who, case)
    with pytest.raises(NotFound):  # before the acceptance the receiving body does not see the case
        support.case(db, case["id"], username="arbitrator")
    send(db, row)
    answer(db, row, decision="accept")
    new_case_id = current(db, row).new_case_id
    assert support.case(db, case["id"], username="arbitrator")["number"] == case["number"]
    assert support.case(db, new_case_id, username="inspector")["body"] == "arbitration"


def test_a_returned_transfer_keeps_its_reasons_and_grants_nothing(db, who, case):
    row = request(db, who, case)
    send(db, row)
    answer(db, row, decision="return", return_reason="不属于劳动争议仲裁受理范围")
    returned = current(db, row)
    assert (returned.status, returned.return_reason, returned.new_case_id) == (
        "returned", "不属于劳动争议仲裁受理范围", None)
    with pytest.raises(NotFound):
        support.case(db, case["id"], username="arbitrator")


def test_a_return_without_reasons_is_refused(db, who, case):
    row = request(db, who, case)
    send(db, row)
    with pytest.raises(Invalid):
        answer(db, row, decision="return")
    assert current(db, row).status == "sent"


def test_a_case_has_one_open_transfer_at_a_time(db, who, case):
    request(db, who, case)
    with pytest.raises(Conflict):
        request(db, who, case, to_body="si_audit")


def test_a_returned_transfer_may_be_followed_by_a_new_one(db, who, case):
    row = request(db, who, case)
    send(db, row)
    answer(db, row, decision="return", return_reason="不属于受理范围")
    assert request(db, who, case, to_body="si_audit").number == "金水人社移〔2026〕00002号"


def test_the_liaison_officer_may_refuse_to_send_and_nothing_travels(db, who, case):
    row = request(db, who, case)
    support.work(db, "liaison", row.number, PACKAGE, {"send": False, "materials": [], "letter": "",
                                                      "refusal_reason": "材料不全，请补充后再报"})
    assert (current(db, row).status, current(db, row).return_reason) == ("refused_by_liaison", "材料不全，请补充后再报")
    assert support.deliver_messages(db) == 0


def test_a_case_is_not_transferred_to_its_own_body(db, who, case):
    with pytest.raises(Invalid) as raised:
        request(db, who, case, to_body="inspection")
    assert "to_body" in raised.value.extra["errors"]


def test_only_the_handling_body_requests_a_transfer_of_its_case(db, who, case):
    with pytest.raises(Forbidden):
        request(db, who, case, username="leader")  # sees the case, does not handle it
    with pytest.raises(NotFound):
        request(db, who, case, username="auditor")  # does not see it


def test_an_assistance_request_names_the_help_it_asks_for(db, who):
    case = support.open_cases(db, "dismissal_dispute")["arbitration"]
    with pytest.raises(Invalid) as raised:
        request(db, who, case, username="arbitrator", kind="assistance", to_body="inspection")
    assert "assist_type" in raised.value.extra["errors"]
    row = request(db, who, case, username="arbitrator", kind="assistance", assist_type="evidence",
                  to_body="inspection")
    assert row.number == "金水人社协〔2026〕00001号"


def test_a_transfer_to_another_district_goes_to_that_districts_liaison_officer(db, who, case):
    row = request(db, who, case, to_bureau="zz-erqi")
    send(db, row)
    acknowledgement = support.task(db, f"{row.number}-收", username="erqi_arb_liaison")
    assert acknowledgement.candidate_group == "zz-erqi/arbitration/liaison_officer"
    assert support.tasks(db, f"{row.number}-收", username="arb_liaison") == []


def test_both_sides_ledgers_list_the_same_transfer(db, who, case):
    row = request(db, who, case)
    assert ledger(db, who, "liaison", direction="out") == [row.number]
    assert ledger(db, who, "arb_liaison", body="arbitration", direction="in") == [row.number]
    assert ledger(db, who, "arb_liaison", body="arbitration", direction="out") == []


def test_a_notification_is_on_the_notification_ledger_not_the_transfer_ledger(db, who):
    case = support.open_cases(db, "dismissal_dispute")["arbitration"]
    row = request(db, who, case, username="arbitrator", kind="notification", to_body="inspection",
                  reason="仲裁中发现用人单位未足额支付工资，通报监察依法查处")
    assert ledger(db, who, "liaison", direction="in") == []
    assert ledger(db, who, "liaison", direction="in", ledger="notification") == [row.number]


def test_the_ledger_filters_by_status_date_and_text(db, who, case):
    row = request(db, who, case)
    assert ledger(db, who, "liaison", status="requested") == [row.number]
    assert ledger(db, who, "liaison", status="accepted") == []
    assert ledger(db, who, "liaison", date_from=datetime(2026, 11, 21).date()) == []
    assert ledger(db, who, "liaison", q="建筑") == [row.number]  # the employer's name


def test_an_unacknowledged_transfer_past_its_deadline_is_overdue_on_the_ledger(db, who, case, freeze_clock):
    row = request(db, who, case)
    send(db, row)
    assert ledger(db, who, "liaison", overdue=True) == []
    freeze_clock(datetime(2026, 11, 26, 0, 0, 1, tzinfo=timezone(timedelta(hours=8))))
    assert ledger(db, who, "liaison", overdue=True) == [row.number]
    assert ledger(db, who, "liaison", overdue=False) == []


def test_a_ledger_is_read_by_its_body_and_oversight_but_not_by_other_bodies(db, who):
    with db.transaction() as s:
        assert ledgers.may_read(s, who("leader"), "zz-jinshui", "inspection")
        assert ledgers.may_read(s, who("admin"), "zz-jinshui", "inspection")
        with pytest.raises(NotFound):
            ledgers.query(s, who("auditor"), "zz-jinshui", "inspection")


def test_the_ledger_export_writes_text_never_a_formula(db, who, case):
    row = request(db, who, case, reason='=HYPERLINK("http://x")')
    exported = ledgers.export_xlsx([ledgers.row_dict(current(db, row))], "transfer", "金水区 劳动保障监察")
    sheet = load_workbook(io.BytesIO(exported)).active
    assert sheet.title == "移送台账" and [c.value for c in sheet[2]][:2] == ["编号", "日期"]
    assert sheet["H3"].value.startswith("'=")
