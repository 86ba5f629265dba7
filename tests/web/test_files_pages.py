"""Case files on the pages (entrypoints/web/files.py): the section of the case and task pages, the upload with
and without htmx, the preview page, downloads, and the widget of a form's "files" field."""
from __future__ import annotations

import io
import re

import pytest
from flask import render_template_string

from tests import file_samples as samples
from tests.test_web import _login
from workflow_app.entrypoints import demo


@pytest.fixture
def case(start_case):
    return start_case()


def upload(client, instance_id, data, filename="证据.pdf", htmx=False, **form):
    """POST the upload form as a plain form, or as htmx sends it; ``client``: a Flask test client (a session
    login) or an ``as_user`` client (bearer token)."""
    headers = {**getattr(client, "headers", {}), **({"HX-Request": "true"} if htmx else {})}
    raw = getattr(client, "_client", client)
    return raw.post(f"/cases/{instance_id}/files", data={"file": (io.BytesIO(data), filename), **form},
                    content_type="multipart/form-data", headers=headers)


def test_a_plain_form_upload_returns_to_the_case_page_which_lists_the_file_and_its_hash(app, case):
    client, _ = _login(app, "inspector")
    page = client.get(f"/cases/{case['id']}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = upload(client, case["id"], samples.pdf(), "劳动合同.pdf", csrf_token=token,
                    next=f"/cases/{case['id']}", description="扫描件")
    assert answer.status_code == 303 and answer.headers["Location"] == f"/cases/{case['id']}#case-files"
    page = client.get(f"/cases/{case['id']}").text
    sha = re.search(r'<code class="sha" title="([0-9a-f]{64})">', page).group(1)
    assert "劳动合同.pdf" in page and "扫描件" in page
    assert f"上传附件 劳动合同.pdf（SHA-256 {sha[:12]}）" in page  # the case's timeline


def test_a_plain_form_upload_without_the_csrf_token_is_refused(app, case):
    client, _ = _login(app, "inspector")
    assert upload(client, case["id"], samples.pdf()).status_code == 403


def test_an_htmx_upload_answers_the_refreshed_list(as_user, case):
    answer = upload(as_user("inspector"), case["id"], samples.png(), "现场.png", htmx=True)
    assert answer.status_code == 200
    assert 'id="case-files-body"' in answer.text and "现场.png" in answer.text and "附件已上传" in answer.text


def test_a_refused_htmx_upload_answers_the_chinese_message_in_the_flash_area(as_user, case):
    answer = upload(as_user("inspector"), case["id"], samples.html(), "photo.jpg", htmx=True)
    assert answer.status_code == 422 and answer.headers["HX-Retarget"] == "#flash"
    assert "不允许上传网页（HTML）文件" in answer.text


def test_a_plain_upload_never_returns_to_another_site(as_user, case):
    answer = upload(as_user("inspector"), case["id"], samples.pdf(), next="//evil.example/x")
    assert answer.headers["Location"] == f"/cases/{case['id']}#case-files"


def test_an_upload_over_the_limit_shows_the_chinese_413_page(app, as_user, case):
    app.config["CASEFLOW_UPLOAD_REQUEST_BYTES"] = 2048
    answer = upload(as_user("inspector"), case["id"], samples.pdf() + b" " * 4096)
    assert answer.status_code == 413 and "上传内容过大" in answer.text


def test_the_preview_page_shows_an_image_or_frames_a_pdf(as_user, case):
    inspector = as_user("inspector")
    upload(inspector, case["id"], samples.png(), "现场.png")
    upload(inspector, case["id"], samples.pdf(), "合同.pdf")
    upload(inspector, case["id"], samples.office("docx"), "笔录.docx")
    page = inspector.get(f"/cases/{case['id']}").text
    ids = {name: int(i) for i, name in re.findall(r'<a href="/files/(\d+)">([^<]+)</a>', page)}
    image = inspector.get(f"/files/{ids['现场.png']}").text
    assert f'<img class="preview-image" src="/files/{ids["现场.png"]}/preview"' in image
    pdf = inspector.get(f"/files/{ids['合同.pdf']}").text
    assert f'<iframe class="preview-pdf" src="/files/{ids["合同.pdf"]}/preview"' in pdf
    framed = inspector.get(f"/files/{ids['合同.pdf']}/preview")
    assert (framed.headers["Content-Type"], framed.headers["X-Frame-Options"]) == ("application/pdf", "SAMEORIGIN")
    assert "此类文件不能在浏览器中预览" in inspector.get(f"/files/{ids['笔录.docx']}").text
    download = inspector.get(f"/files/{ids['笔录.docx']}/download")
    assert download.headers["Content-Disposition"].startswith("attachment;") and download.data == samples.office("docx")


def test_the_files_of_a_case_are_hidden_from_someone_without_part_in_it(as_user, case):
    upload(as_user("inspector"), case["id"], samples.png(), "现场.png")
    page = as_user("inspector").get(f"/cases/{case['id']}").text
    attachment_id = re.search(r'<a href="/files/(\d+)">', page).group(1)
    clerk = as_user("clerk")
    assert clerk.get(f"/files/{attachment_id}").status_code == 404
    assert clerk.get(f"/files/{attachment_id}/preview").status_code == 404
    assert upload(clerk, case["id"], samples.png()).status_code == 404


def test_the_task_page_lists_the_cases_files_and_uploads_to_the_task(app, as_user, case):
    from tests.services import support
    inspector = as_user("inspector")
    task = support.task(app.extensions["caseflow.db"], case["business_key"])
    upload(inspector, case["id"], samples.png(), "任务照片.png", task_id=task.id)
    page = inspector.get(f"/tasks/{task.id}").text
    assert "任务照片.png" in page and f'name="task_id" value="{task.id}"' in page
    listed = inspector.get(f"/api/instances/{case['id']}/attachments", query_string={"task_id": task.id}).json
    assert [d["filename"] for d in listed["items"]] == ["任务照片.png"]


def _render_field(app, task, **field):
    f = {"name": "evidence", "label": "证据", "value": None, "readonly": False, **field}
    with app.test_request_context(headers={"Authorization": f"Bearer {demo.demo_token('inspector')}"}):
        return render_template_string("{% include 'web/files/_file_field.html' %}", f=f, task=task)


def test_the_files_field_offers_the_cases_files_with_the_chosen_ones_ticked(app, as_user, case):
    from tests.services import support
    inspector = as_user("inspector")
    first = upload(inspector, case["id"], samples.png(), "一.png", htmx=True)
    second = upload(inspector, case["id"], samples.pdf(), "二.pdf", htmx=True)
    assert first.status_code == second.status_code == 200
    by_name = {d["filename"]: d["id"] for d in inspector.get(f"/api/instances/{case['id']}/attachments").json["items"]}
    ids = [by_name["一.png"], by_name["二.pdf"]]
    task = support.task(app.extensions["caseflow.db"], case["business_key"])
    html = _render_field(app, task, value=[ids[0]])
    boxes = re.findall(r'<input type="checkbox" name="evidence" value="(\d+)"( checked)?', html)
    assert sorted((int(i), bool(c)) for i, c in boxes) == sorted([(ids[0], True), (ids[1], False)])
    assert f'data-upload-url="/api/instances/{case["id"]}/attachments"' in html
    readonly = _render_field(app, task, value=[ids[1]], readonly=True)
    assert "二.pdf" in readonly and "一.png" not in readonly and 'type="checkbox"' not in readonly
