"""Transfers carry files (docs/files.md "Transfers"): the request or the package names attachments of the
sending case; on acceptance the receiving body's case gets them (same blob, audited on both cases)."""
from __future__ import annotations

import json

import pytest

from tests import file_samples as samples
from tests.conftest import ROOT
from tests.services import support
from workflow_app.domain.cases import case_file
from workflow_app.domain.collaboration import transfers
from workflow_app.domain.collaboration.models import InterAgencyTransfer
from workflow_app.domain.intake.models import Case
from workflow_app.platform.errors import Invalid
from workflow_app.platform.files import attachments

pytestmark = pytest.mark.usefixtures("colleagues")

PACKAGE, ACK = "联络员审核并制作移送函", "联络员签收移送函"
LETTER = "兹将本案移送贵单位依法处理，请于三个工作日内签收。此致"
REASON = "经初步调查属于劳动争议，应由仲裁院处理"


@pytest.fixture
def case(db):
    """A 金水区 inspection case opened by a registration (wage arrears)."""
    return support.open_cases(db, "wage_arrears")["inspection"]


def upload(db, who, case, filename, data, username="inspector"):
    with db.transaction() as s:
        return attachments.add(s, who(username), case["instance_id"], filename, data)


def request(db, who, case, **data) -> InterAgencyTransfer:
    data = {"to_body": "arbitration", "reason": REASON, "materials": ["投诉登记表", "调查笔录"], **data}
    with db.transaction() as s:
        return transfers.create_transfer(s, who("inspector"), case["id"], data)


def send_and_accept(db, row, **package):
    support.work(db, "liaison", row.number, PACKAGE, {"send": True, "materials": list(row.materials),
                                                      "letter": LETTER, "refusal_reason": "", **package})
    support.deliver_messages(db)
    support.work(db, "arb_liaison", f"{row.number}-收", ACK, {"ack_note": "已审查", "decision": "accept"})
    with db.transaction() as s:
        accepted = s.get(InterAgencyTransfer, row.id)
        return s.get(Case, accepted.new_case_id).instance_id


def files_of(db, who, instance_id, username="admin"):
    with db.transaction() as s:
        return [(r.filename, r.sha256) for r in attachments.list_for_instance(s, who(username), instance_id)]


def test_the_files_a_request_names_become_files_of_the_receiving_case(db, who, case):
    contract = upload(db, who, case, "劳动合同.pdf", samples.pdf("contract"))
    upload(db, who, case, "内部记录.png", samples.png())  # not chosen: stays with the sender
    row = request(db, who, case, attachments=[contract.id])
    received = send_and_accept(db, row)
    assert files_of(db, who, received, username="arbitrator") == [("劳动合同.pdf", contract.sha256)]
    with db.transaction() as s:
        copy = attachments.list_for_instance(s, who("arbitrator"), received)[0]
        assert attachments.read_bytes(copy) == samples.pdf("contract")


@pytest.fixture
def package_form_with_files(db):
    """The package form with its ``attachments`` field (the "files" widget of the form renderer): deployed
    here beside the transfer diagram, as a process owner deploys a new version of a form."""
    form = json.loads((ROOT / "forms" / "collab_transfer_package.json").read_text(encoding="utf-8"))
    form["schema"]["properties"].setdefault("attachments", {"type": "array", "items": {"type": "integer"},
                                                            "maxItems": 200, "title": "随移送附件"})
    form["ui"].setdefault("widgets", {})["attachments"] = "files"
    support.deploy(db, {"transfer.bpmn": (ROOT / "bpmn" / "transfer.bpmn").read_bytes(),
                        "collab_transfer_package.json": json.dumps(form, ensure_ascii=False)}, with_test_form=False)


@pytest.mark.usefixtures("package_form_with_files")
def test_the_package_may_change_the_choice_of_files(db, who, case):
    contract = upload(db, who, case, "劳动合同.pdf", samples.pdf("contract"))
    payslip = upload(db, who, case, "工资条.png", samples.png())
    row = request(db, who, case, attachments=[contract.id])
    received = send_and_accept(db, row, attachments=[payslip.id])
    assert files_of(db, who, received) == [("工资条.png", payslip.sha256)]


def test_the_transfer_of_files_is_on_the_timelines_of_both_cases(db, who, case):
    contract = upload(db, who, case, "劳动合同.pdf", samples.pdf("contract"))
    received = send_and_accept(db, request(db, who, case, attachments=[contract.id]))
    with db.transaction() as s:
        sent = [e["action"] for e in case_file.case_file(s, who("admin"), case["instance_id"])["timeline"]]
        got = [(e["action"], e["detail"]) for e in case_file.case_file(s, who("admin"), received)["timeline"]]
    assert "随移送发送附件" in sent
    assert ("接收移送附件", f"劳动合同.pdf（SHA-256 {contract.sha256[:12]}）") in got


def test_a_request_naming_a_file_of_another_case_is_refused(db, who, case):
    other = support.start(db, business_key="T09999")
    with db.transaction() as s:
        foreign = attachments.add(s, who("admin"), other.id, "别案材料.pdf", samples.pdf())
    with pytest.raises(Invalid) as refused:
        request(db, who, case, attachments=[foreign.id])
    assert refused.value.message == "所选附件不属于本案件"


def test_a_transfer_without_files_gives_the_receiving_case_none(db, who, case):
    upload(db, who, case, "劳动合同.pdf", samples.pdf())
    received = send_and_accept(db, request(db, who, case))
    assert files_of(db, who, received) == []


@pytest.mark.usefixtures("package_form_with_files")
def test_a_package_naming_a_file_of_another_case_changes_nothing(db, who, case):
    other = support.start(db, business_key="T09998")
    with db.transaction() as s:
        foreign = attachments.add(s, who("admin"), other.id, "别案材料.pdf", samples.pdf())
    row = request(db, who, case)
    package = support.task(db, row.number, PACKAGE, username="liaison")
    support.claim(db, "liaison", package.id)
    with pytest.raises(Invalid, match="所选附件不属于本案件"):
        support.complete(db, "liaison", package.id, {"send": True, "materials": list(row.materials), "letter": LETTER,
                                                      "refusal_reason": "", "attachments": [foreign.id]})
    with db.transaction() as s:
        assert s.get(InterAgencyTransfer, row.id).status == "requested"
