"""The documents API (``/api/documents``, ``/api/instances/<id>/documents``): types, generating the receipt,
downloading the DOCX and PDF, recording a service, the problem documents of bad input (docs/documents.md)."""
from __future__ import annotations

import hashlib
import io
import re

from pypdf import PdfReader

from tests.intake.helpers import registration


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def register(as_user, **overrides) -> dict:
    return ok(as_user("clerk").post("/api/intake/registrations", json=registration(**overrides)), 201)


def test_the_document_types_and_methods_of_service_are_listed(as_user):
    clerk = as_user("clerk")
    types = {t["code"]: t for t in ok(clerk.get("/api/documents/types"))}
    assert types["complaint_receipt"]["label_zh"] == "举报投诉登记回执"
    assert types["transfer_letter"]["number_pattern"] == "{bureau_short}人社监移〔{year}〕{seq:05d}号"
    methods = [m["label_zh"] for m in ok(clerk.get("/api/documents/service-methods"))]
    assert methods == ["直接送达", "留置送达", "邮寄送达", "电子送达", "公告送达"]


def test_the_receipt_is_generated_downloaded_and_served(as_user):
    complaint = register(as_user, complainant={"name": "钱多多"})
    clerk = as_user("clerk")
    doc = ok(clerk.post(f"/api/intake/complaints/{complaint['id']}/receipt-document"), 201)
    assert doc["number"] == "金水人社回〔2026〕00001号" and doc["doc_type_label"] == "举报投诉登记回执"
    pdf = clerk.get(f"/api/documents/{doc['id']}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == doc["pdf"]["sha256"]
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    assert "钱多多" in text and complaint["number"] in text
    docx = clerk.get(f"/api/documents/{doc['id']}/docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    listed = ok(clerk.get(f"/api/instances/{complaint['triage_instance_id']}/documents"))
    assert [d["number"] for d in listed] == [doc["number"]]

    served = ok(clerk.post(f"/api/documents/{doc['id']}/services",
                           json={"served_on": "2026-11-20", "method": "direct", "recipient": "钱多多",
                                 "note": "当面交付"}), 201)
    assert served["method_label"] == "直接送达"
    events = ok(as_user("admin").get(f"/api/audit?instance_id={complaint['triage_instance_id']}"))["items"]
    issued = [e for e in events if e["action"] == "document.issue"]
    assert issued[0]["after"]["pdf_sha256"] == doc["pdf"]["sha256"]
    assert issued[0]["after"]["docx_sha256"] == doc["docx"]["sha256"]
    assert any(e["action"] == "document.serve" for e in events)


def test_bad_service_input_is_a_problem_document_in_chinese(as_user):
    complaint = register(as_user)
    clerk = as_user("clerk")
    doc = ok(clerk.post(f"/api/intake/complaints/{complaint['id']}/receipt-document"), 201)
    r = clerk.post(f"/api/documents/{doc['id']}/services",
                   json={"served_on": "2026-11-20", "method": "pigeon", "recipient": "钱多多"})
    assert r.status_code == 422
    assert "送达方式不正确" in r.json["message"]
    r = clerk.post(f"/api/documents/{doc['id']}/services", json={"method": "direct"})
    assert r.status_code == 422


def test_a_case_the_caller_cannot_see_has_no_documents_for_them(as_user):
    complaint = register(as_user)
    case_instance = complaint["cases"][0]["instance_id"]
    assert as_user("police").get(f"/api/instances/{case_instance}/documents").status_code == 404
    r = as_user("inspector").post(f"/api/instances/{case_instance}/documents", json={"doc_type": "complaint_receipt"})
    assert r.status_code == 403 and "综合窗口" in r.json["message"]
    r = as_user("inspector").post(f"/api/instances/{case_instance}/documents", json={"doc_type": "nonesuch"})
    assert r.status_code == 404
