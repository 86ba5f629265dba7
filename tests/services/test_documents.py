"""Official documents (``platform/documents``): issuing a document on a case (文号 per bureau and year, DOCX
and PDF stored as attachments with their sha256, the audit chain), the receipt and transfer-letter sources,
and service records (docs/documents.md)."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from tests.conftest import FIXED_NOW
from tests.intake.helpers import id_number
from tests.services import support
from tests.services.test_transfers import request, send
from workflow_app.domain.cases import case_file
from workflow_app.domain.intake import receipt_document
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.documents import issuing, service
from workflow_app.platform.errors import Forbidden, Invalid, NotFound
from workflow_app.platform.files import attachments
from workflow_app.platform.numbering import numbers

pytestmark = pytest.mark.usefixtures("colleagues")


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


@pytest.fixture
def complaint(db):
    return support.register(db, "wage_arrears", complainant={"name": "王小明"})


def issue_receipt(db, who, complaint, username="clerk"):
    with db.transaction() as s:
        return receipt_document.issue_receipt(s, who(username), complaint["id"])


def test_the_receipt_is_numbered_stored_as_docx_and_pdf_and_names_the_complainant(db, who, complaint):
    row = issue_receipt(db, who, complaint)
    assert row.number == "金水人社回〔2026〕00001号" and row.doc_type == "complaint_receipt"
    with db.transaction() as s:
        docx, _ = issuing.document_file(s, who("clerk"), row.id, "docx")
        pdf, pdf_bytes = issuing.document_file(s, who("clerk"), row.id, "pdf")
        assert (docx.kind, pdf.kind, pdf.media_type) == ("document", "document", "application/pdf")
        assert pdf.sha256 == hashlib.sha256(pdf_bytes).hexdigest()
    text = pdf_text(pdf_bytes)
    assert "王小明" in text and complaint["number"] in text and row.number in text and "拖欠工资" in text


def test_a_registration_whose_claims_all_joined_a_case_in_hand_still_gets_its_receipt(db, who, complaint):
    again = support.register(db, "wage_arrears", complainant={"name": "王小明"})
    assert again["triage_instance_id"] is None  # a duplicate: no triage of its own
    row = issue_receipt(db, who, again)
    with db.transaction() as s:
        _, pdf_bytes = issuing.document_file(s, who("clerk"), row.id, "pdf")
        case_instance = complaint["cases"][0]["instance_id"]
        assert row.instance_id == case_instance  # filed with the case the claim joined
        # the case's receipts list only this registration's receipt for it, not the first registration's
        listed = issuing.list_for_instance(s, who("clerk"), case_instance, "complaint_receipt",
                                           context_has={"receipt_number": again["number"]})
        assert [d["number"] for d in listed] == [row.number]
    assert again["number"] in pdf_text(pdf_bytes)


def test_the_issue_is_on_the_cases_audit_chain(db, who, complaint):
    row = issue_receipt(db, who, complaint)
    with db.transaction() as s:
        timeline = case_file.case_file(s, who("admin"), row.instance_id)["timeline"]
        report = audit.verify_chain(s, f"case:{complaint['number']}")
    assert [e["action"] for e in timeline].count("制发文书") == 1
    assert report.ok


def test_document_numbers_run_on_in_the_bureau_and_start_again_each_year(db, who, complaint, freeze_clock):
    erqi = support.register(db, "wage_arrears", employer={"district": "zz-erqi"}, complainant={"id_number": id_number(5)})
    first, second = issue_receipt(db, who, complaint), issue_receipt(db, who, erqi)
    assert (first.number, second.number) == ("金水人社回〔2026〕00001号", "金水人社回〔2026〕00002号")
    freeze_clock(FIXED_NOW.replace(year=2027, month=1, day=4))
    assert issue_receipt(db, who, complaint).number == "金水人社回〔2027〕00001号"


def test_a_bureaus_own_pattern_for_a_document_type_is_used(db, who, complaint):
    with db.transaction() as s:
        numbers.set_scheme(s, "owner", "doc_complaint_receipt", "zz-jinshui", "{bureau_short}回执〔{year}〕第{seq}号")
    assert issue_receipt(db, who, complaint).number == "金水回执〔2026〕第1号"


def test_only_an_issuing_body_of_the_cases_bureau_issues_a_document(db, who, complaint):
    with pytest.raises((Forbidden, NotFound)), db.transaction() as s:
        receipt_document.issue_receipt(s, who("erqi_inspector"), complaint["id"])
    with pytest.raises(Forbidden), db.transaction() as s:
        issuing.issue_for_case(s, who("inspector"), complaint["cases"][0]["instance_id"], "complaint_receipt")


def test_a_failed_conversion_spends_no_number_and_stores_nothing(db, who, complaint, monkeypatch):
    monkeypatch.setenv("CASEFLOW_SOFFICE", "/nonexistent/soffice")
    with pytest.raises(Exception, match="LibreOffice"), db.transaction() as s:
        receipt_document.issue_receipt(s, who("clerk"), complaint["id"])
    monkeypatch.delenv("CASEFLOW_SOFFICE")
    assert issue_receipt(db, who, complaint).number == "金水人社回〔2026〕00001号"
    with db.transaction() as s:
        assert len(issuing.list_for_instance(s, who("clerk"), complaint["triage_instance_id"])) == 1


def test_the_transfer_letter_of_a_sent_transfer_carries_its_number_bodies_and_materials(db, who):
    case = support.open_cases(db, "wage_arrears")["inspection"]
    row = request(db, who, case)
    with db.transaction() as s:
        assert issuing.issuable_types(s, who("inspector"), case["instance_id"]) == []
    send(db, row)
    with db.transaction() as s:
        types = {t["code"]: t for t in issuing.issuable_types(s, who("inspector"), case["instance_id"])}
        assert [sub["value"] for sub in types["transfer_letter"]["subjects"]] == [str(row.id)]
        letter = issuing.issue_for_case(s, who("inspector"), case["instance_id"], "transfer_letter", str(row.id))
        pdf_bytes = attachments.read_bytes(attachments.get(s, who("inspector"), letter.pdf_attachment_id))
    text = pdf_text(pdf_bytes)
    assert letter.number == "金水人社监移〔2026〕00001号"
    for expected in ("案件移送函", row.number, case["number"], "投诉登记表", "调查笔录", "劳动人事争议仲裁"):
        assert expected in text


def test_a_service_with_a_proof_file_is_recorded_and_audited(db, who, complaint):
    from tests import file_samples
    row = issue_receipt(db, who, complaint)
    proof = file_samples.pdf("回证")
    with db.transaction() as s:
        record = service.record_service(s, who("clerk"), row.id, served_on=date(2026, 11, 20), method="direct",
                                        recipient="王小明", proof_filename="送达回证.pdf", proof_data=proof)
    with db.transaction() as s:
        docs = issuing.list_for_instance(s, who("clerk"), row.instance_id)
        stored = attachments.get(s, who("admin"), record.proof_attachment_id)
        timeline = case_file.case_file(s, who("admin"), row.instance_id)["timeline"]
    assert docs[0]["services"][0]["method_label"] == "直接送达"
    assert stored.sha256 == hashlib.sha256(proof).hexdigest()
    assert "送达文书" in [e["action"] for e in timeline]


def test_a_service_with_a_note_needs_no_file(db, who, complaint):
    row = issue_receipt(db, who, complaint)
    with db.transaction() as s:
        record = service.record_service(s, who("clerk"), row.id, served_on=date(2026, 11, 20), method="electronic",
                                        recipient="王小明", note="已通过短信发送回执链接")
    assert record.proof_attachment_id is None and record.note == "已通过短信发送回执链接"


@pytest.mark.parametrize("changes, field", [
    ({"method": "carrier_pigeon"}, "method"),
    ({"recipient": "  "}, "recipient"),
    ({"note": None}, "proof"),
    ({"served_on": date(2026, 11, 21)}, "served_on"),
    ({"served_on": date(2026, 11, 19)}, "served_on"),
])
def test_a_bad_service_record_is_refused_and_changes_nothing(db, who, complaint, changes, field):
    row = issue_receipt(db, who, complaint)
    values = {"served_on": date(2026, 11, 20), "method": "post", "recipient": "王小明", "note": "挂号信", **changes}
    with pytest.raises(Invalid) as refused, db.transaction() as s:
        service.record_service(s, who("clerk"), row.id, **values)
    assert field in refused.value.extra["errors"]
    with db.transaction() as s:
        assert issuing.list_for_instance(s, who("clerk"), row.instance_id)[0]["services"] == []


def test_a_document_of_a_hidden_case_is_not_found(db, who, complaint):
    row = issue_receipt(db, who, complaint)
    with pytest.raises(NotFound), db.transaction() as s:
        issuing.document_file(s, who("erqi_inspector"), row.id, "pdf")
