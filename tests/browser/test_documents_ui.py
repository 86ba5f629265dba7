"""Official documents in a real browser (docs/documents.md): the clerk registers a complaint through the form,
generates its 登记回执 as PDF from the registration's page, downloads it and finds the complainant's name and
the registration number in the PDF's text, then records the service with the signed receipt as proof; the
inspector generates a document from the case page."""
from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from workflow_app.entrypoints import demo

from .conftest import login, shot


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def register_through_the_form(page, base: str, n: int, employer: str = "郑州某包装材料有限公司") -> str:
    page.goto(f"{base}/intake/register")
    page.fill("#r-complainant\\.name", "赵文书")
    page.fill("#r-complainant\\.id_number", demo._demo_id_number(n))
    page.fill("#r-complainant\\.phone", f"138037100{n:02d}")
    page.fill("#r-employer\\.name", employer)
    page.fill("#r-employer\\.uscc", demo._demo_uscc(n))
    page.select_option("#r-employer\\.district", "zz-jinshui")
    page.select_option("select[name='claims[0].code']", "wage_arrears")
    page.fill("input[name='claims[0].amount']", "6500")
    page.fill("input[name='claims[0].months_unpaid']", "2")
    page.fill("#r-workers_affected", "1")
    page.click("#register-submit")
    page.wait_for_url(re.compile(r"/intake/complaints/\d+"))
    return page.locator("#complaint-number").inner_text().strip()


def test_the_clerk_generates_downloads_and_serves_the_registration_receipt(server, new_page, tmp_path):
    page = new_page()
    login(page, server.url, "clerk")
    number = register_through_the_form(page, server.url, 31)
    expect(page.locator("#issue-receipt")).to_be_visible(timeout=30000)
    page.click("#issue-receipt")
    receipt = page.locator(".receipt-document")
    expect(receipt).to_have_count(1, timeout=60000)
    expect(page.locator("#receipt-document-message")).to_contain_text("已生成登记回执")
    document_number = receipt.get_attribute("data-number")
    assert re.fullmatch(r"金水人社回〔\d{4}〕\d{5}号", document_number)
    shot(page, "documents-01-receipt-generated")

    with page.expect_download() as download_info:
        receipt.locator("a.receipt-pdf").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / "receipt.pdf"
    download.save_as(path)
    text = pdf_text(path.read_bytes())
    assert "赵文书" in text and number in text and document_number in text and "举报投诉登记回执" in text

    receipt.locator("summary").click()
    form = receipt.locator("form.service-form")
    form.locator("input[name=recipient]").fill("赵文书")
    form.locator("select[name=method]").select_option(label="直接送达")
    form.locator("button").click()  # no proof and no note: refused, nothing recorded
    expect(page.locator(".receipt-document .flash.error")).to_contain_text("送达凭证或填写送达情况说明")
    expect(page.locator(".service-record")).to_have_count(0)
    form = page.locator(".receipt-document form.service-form")
    expect(form.locator("input[name=recipient]")).to_have_value("赵文书")
    form.locator("input[name=proof]").set_input_files(str(path))
    form.locator("button").click()
    record = page.locator(".service-record")
    expect(record).to_have_count(1)
    expect(record).to_contain_text("直接送达")
    expect(record).to_contain_text("有送达凭证")
    shot(page, "documents-02-receipt-served")


def test_the_inspector_generates_the_receipt_from_the_case_page_only_when_allowed(server, new_page):
    clerk = new_page()
    login(clerk, server.url, "clerk")
    register_through_the_form(clerk, server.url, 32, employer="郑州某物流有限公司")
    case_url = clerk.locator("a.case-link").first.get_attribute("href")
    inspector = new_page()
    login(inspector, server.url, "inspector")
    inspector.goto(f"{server.url}{case_url}")
    section = inspector.locator("#case-documents")
    expect(section.locator("#documents-table")).to_be_visible()
    expect(section).to_contain_text("尚无正式文书")
    # The receipt is the window's document: the case's inspector has no type to generate here yet.
    expect(section.locator("#issue-document-form")).to_have_count(0)
    shot(inspector, "documents-03-case-section")
