"""Document templates and PDF conversion without a database: the shipped types, docxtpl filling in the
sandbox (Chinese text, escaping, refused tags, unknown fields), LibreOffice conversion read back with pypdf."""
from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor

import docx
import pytest
from pypdf import PdfReader

from workflow_app.platform.documents import pdf, templates
from workflow_app.platform.errors import ServiceUnavailable, TemplateRejected
from workflow_app.platform.numbering import numbers

RECEIPT_CONTEXT = {
    "document_number": "金水人社回〔2026〕00001号", "bureau_name": "金水区人力资源和社会保障局",
    "complainant_name": "张三丰", "received_at": "2026年12月2日 09:30", "receipt_number": "金水投〔2026〕00007号",
    "kind_label": "投诉", "channel_label": "窗口", "window_name": "金水区综合窗口",
    "employer_name": "郑州<某某>建筑&有限公司",
    "claims": [{"label": "拖欠工资", "amount": "12,000.00", "destination": "金水区劳动保障监察"},
               {"label": "未缴社会保险", "amount": "", "destination": "金水区社会保险稽核"}],
    "next_steps": "本机关将在5个工作日内作出受理决定。", "issued_on": "2026年12月2日",
}


def _text_of_docx(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _text_of_pdf(data: bytes) -> str:
    """The PDF's text without whitespace (extraction puts spaces between CJK and digits)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def _template(tmp_path, *paragraphs: str):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    path = tmp_path / "custom.docx"
    document.save(path)
    return path


def test_every_shipped_type_has_its_template_and_a_usable_number_pattern():
    types = templates.document_types()
    assert {"complaint_receipt", "transfer_letter"} <= set(types)
    for doc_type in types.values():
        assert doc_type.template_path.is_file()
        assert numbers.pattern_problems(doc_type.number_pattern) == []
        assert doc_type.label_zh and doc_type.label_en


def test_the_receipt_template_fills_chinese_text_claims_and_escapes_values():
    filled = templates.render_docx(templates.document_type("complaint_receipt").template_path, RECEIPT_CONTEXT)
    text = _text_of_docx(filled)
    for expected in ("举报投诉登记回执", "张三丰", "金水投〔2026〕00007号", "金水人社回〔2026〕00001号", "拖欠工资",
                     "12,000.00", "未缴社会保险", "郑州<某某>建筑&有限公司", "（盖章）"):
        assert expected in text
    assert "{{" not in text and "{%" not in text


def test_a_template_tag_reaching_python_internals_is_refused(tmp_path):
    path = _template(tmp_path, "{{ complainant_name.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateRejected) as refused:
        templates.render_docx(path, {"complainant_name": "张三"})
    assert "不允许" in refused.value.message


def test_a_template_naming_an_unknown_field_is_refused_not_left_blank(tmp_path):
    path = _template(tmp_path, "投诉人：{{ complainant_nmae }}")
    with pytest.raises(TemplateRejected) as refused:
        templates.render_docx(path, {"complainant_name": "张三"})
    assert "complainant_nmae" in refused.value.message


def test_the_pdf_shows_the_chinese_name_and_the_receipt_number():
    filled = templates.render_docx(templates.document_type("complaint_receipt").template_path, RECEIPT_CONTEXT)
    data = pdf.docx_to_pdf(filled)
    assert data.startswith(b"%PDF")
    text = _text_of_pdf(data)
    assert "张三丰" in text and "金水投〔2026〕00007号" in text and "举报投诉登记回执" in text


def test_concurrent_conversions_each_use_their_own_profile():
    filled = [templates.render_docx(templates.document_type("complaint_receipt").template_path,
                                    {**RECEIPT_CONTEXT, "complainant_name": name}) for name in ("李四", "王五")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(pdf.docx_to_pdf, filled))
    assert "李四" in _text_of_pdf(results[0]) and "王五" in _text_of_pdf(results[1])


def test_a_missing_converter_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CASEFLOW_SOFFICE", "/nonexistent/soffice")
    with pytest.raises(ServiceUnavailable) as missing:
        pdf.docx_to_pdf(b"PK")
    assert "LibreOffice" in missing.value.message and missing.value.status == 503


def test_a_conversion_past_its_timeout_is_stopped(monkeypatch, tmp_path):
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv("CASEFLOW_SOFFICE", str(slow))
    with pytest.raises(ServiceUnavailable) as late:
        pdf.docx_to_pdf(b"PK", timeout=0.5)
    assert "超时" in late.value.message
