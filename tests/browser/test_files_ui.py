"""Case files in a real browser: upload on the case page (htmx), the list, the previews of an image and a PDF,
the refusal of a disguised program, the hash on the case's timeline, an upload from the task page."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import file_samples as samples

from .conftest import login, shot
from .test_web_ui import register_direct


def open_case_of(page, server, employer_part: str):
    """From the inspector's inbox to the case page of the first case of that employer."""
    page.goto(f"{server.url}/inbox?tab=group&employer={employer_part}")
    page.locator("tr[data-business-key] td:nth-child(3) a").first.click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))


def upload(page, path, description=""):
    form = page.locator("#case-files form.file-upload")
    form.locator("input[type=file]").set_input_files(str(path))
    if description:
        form.locator("input[name=description]").fill(description)
    form.locator("button[type=submit]").click()


def test_upload_list_preview_and_the_hash_on_the_timeline(server, new_page, tmp_path):
    register_direct(server, employer="郑州某附件测试有限公司")
    contract, photo, disguised = tmp_path / "劳动合同.pdf", tmp_path / "现场照片.png", tmp_path / "发票.pdf"
    contract.write_bytes(samples.pdf("Labour contract"))
    photo.write_bytes(samples.png(64, 48))
    disguised.write_bytes(samples.exe())
    page = new_page()
    login(page, server.url, "inspector")
    open_case_of(page, server, "附件测试")
    case_url = page.url

    upload(page, contract, "劳动合同扫描件")
    rows = page.locator("#case-files tbody tr[data-attachment-id]")
    expect(rows).to_have_count(1)
    expect(page.locator("ol.timeline")).to_contain_text("上传附件 劳动合同.pdf")  # without a reload
    upload(page, photo)
    expect(rows).to_have_count(2)
    expect(page.locator("#case-files")).to_contain_text("劳动合同扫描件")
    expect(rows.first).to_contain_text("PNG 图片")
    upload(page, disguised)
    expect(page.locator("#flash")).to_contain_text("不允许上传可执行程序或脚本")
    expect(rows).to_have_count(2)
    shot(page, "files-01-case-files")

    # The image preview: the picture is drawn (the browser decoded it).
    page.locator("#case-files td.file-name a", has_text="现场照片.png").click()
    image = page.locator("img.preview-image")
    expect(image).to_be_visible()
    page.wait_for_function("document.querySelector('img.preview-image').naturalWidth === 64")
    sha = page.locator("#file-sha256").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", sha)
    shot(page, "files-02-image-preview")

    # The PDF preview: framed, served as a PDF inline.
    page.goto(case_url)
    with page.expect_response(lambda r: r.url.endswith("/preview")) as framed:
        page.locator("#case-files td.file-name a", has_text="劳动合同.pdf").click()
    answer = framed.value
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline")
    expect(page.locator("iframe.preview-pdf")).to_be_visible()
    shot(page, "files-03-pdf-preview")

    # The case's timeline names each file with its short hash.
    page.locator("a", has_text="返回案卷").click()
    expect(page.locator("ol.timeline")).to_contain_text(f"上传附件 现场照片.png（SHA-256 {sha[:12]}）")
    expect(page.locator("ol.timeline")).to_contain_text("上传附件 劳动合同.pdf")


def test_an_upload_on_the_task_page_belongs_to_the_task(server, new_page, tmp_path):
    register_direct(server, employer="郑州某任务附件有限公司")
    record = tmp_path / "询问笔录.docx"
    record.write_bytes(samples.office("docx"))
    page = new_page()
    login(page, server.url, "inspector")
    open_case_of(page, server, "任务附件")
    page.locator("table.tasks a[href^='/tasks/']").first.click()
    page.wait_for_url(re.compile(r"/tasks/"))
    upload(page, record)
    item = page.locator("aside #case-files .files-list li[data-attachment-id]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("询问笔录.docx")
    expect(item).to_contain_text("Word 文档")
    shot(page, "files-04-task-files")
    # a Word document is downloaded, not previewed
    with page.expect_download() as downloaded:
        item.locator("a", has_text="下载").click()
    assert downloaded.value.suggested_filename == "询问笔录.docx"
