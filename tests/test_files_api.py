"""The attachments API (/api/instances/{id}/attachments, /api/attachments/{id}...): multipart upload, lists,
download and preview headers, problem documents, access."""
from __future__ import annotations

import hashlib
import io

import pytest

from tests import file_samples as samples


@pytest.fixture
def case(start_case):
    return start_case()


def upload(client, instance_id, data, filename="证据.pdf", **form):
    return client.post(f"/api/instances/{instance_id}/attachments",
                       data={"file": (io.BytesIO(data), filename), **form}, content_type="multipart/form-data")


def test_an_uploaded_file_is_listed_with_its_hash_and_detected_type(as_user, case):
    inspector = as_user("inspector")
    answer = upload(inspector, case["id"], samples.pdf(), description="劳动合同扫描件")
    assert answer.status_code == 201, answer.json
    document = answer.json
    assert (document["sha256"], document["media_type"], document["filename"], document["uploaded_by_name"]) == (
        hashlib.sha256(samples.pdf()).hexdigest(), "application/pdf", "证据.pdf", "张监察")
    listed = inspector.get(f"/api/instances/{case['id']}/attachments").json["items"]
    assert [d["id"] for d in listed] == [document["id"]]
    assert inspector.get(f"/api/attachments/{document['id']}").json["preview_url"] == \
        f"/api/attachments/{document['id']}/preview"


def test_a_download_is_an_attachment_with_the_detected_type_and_no_sniffing(as_user, case):
    inspector = as_user("inspector")
    document = upload(inspector, case["id"], samples.png(), filename="现场.pdf").json
    answer = inspector.get(f"/api/attachments/{document['id']}/content")
    assert answer.status_code == 200 and answer.data == samples.png()
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_pdf_preview_is_inline_in_a_sandbox(as_user, case):
    inspector = as_user("inspector")
    document = upload(inspector, case["id"], samples.pdf()).json
    answer = inspector.get(f"/api/attachments/{document['id']}/preview")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("inline;")
    assert answer.headers["Content-Security-Policy"].startswith("sandbox")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_type_the_browser_cannot_show_is_not_previewed(as_user, case):
    inspector = as_user("inspector")
    document = upload(inspector, case["id"], samples.office("docx"), filename="询问笔录.docx").json
    answer = inspector.get(f"/api/attachments/{document['id']}/preview")
    assert answer.status_code == 415 and answer.json["message"] == "此类文件不能在浏览器中预览，请下载后查看"


def test_a_program_called_pdf_is_refused_with_a_chinese_problem(as_user, case):
    answer = upload(as_user("inspector"), case["id"], samples.exe(), filename="发票.pdf")
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert answer.json["message"] == "不允许上传可执行程序或脚本"
    assert as_user("inspector").get(f"/api/instances/{case['id']}/attachments").json["items"] == []


def test_an_html_page_is_refused(as_user, case):
    answer = upload(as_user("inspector"), case["id"], samples.html(), filename="photo.jpg")
    assert answer.status_code == 422 and answer.json["message"] == "不允许上传网页（HTML）文件"


def test_an_upload_without_a_file_is_a_422_problem(as_user, case):
    answer = as_user("inspector").post(f"/api/instances/{case['id']}/attachments", data={"kind": "evidence"},
                                       content_type="multipart/form-data")
    assert answer.status_code == 422 and answer.json["errors"]["file"] == "请选择要上传的文件"


def test_a_request_over_the_size_limit_is_a_413_problem(app, as_user, case):
    app.config["CASEFLOW_UPLOAD_REQUEST_BYTES"] = 4096
    answer = upload(as_user("inspector"), case["id"], samples.pdf() + b" " * 8192)
    assert answer.status_code == 413 and answer.json["message"] == "上传内容过大"


def test_someone_without_part_in_the_case_gets_404_for_it_and_its_files(as_user, case):
    document = upload(as_user("inspector"), case["id"], samples.pdf()).json
    outsider = as_user("clerk")  # the window's clerk: no task of this inspection case, no grant
    assert outsider.get(f"/api/attachments/{document['id']}").status_code == 404
    assert outsider.get(f"/api/attachments/{document['id']}/content").status_code == 404
    assert outsider.get(f"/api/attachments/{document['id']}/preview").status_code == 404
    assert outsider.get(f"/api/instances/{case['id']}/attachments").status_code == 404
    assert upload(outsider, case["id"], samples.pdf()).status_code == 404


def test_the_openapi_document_describes_the_upload(as_user):
    spec = as_user("admin").get("/api/openapi.json").json
    post = spec["paths"]["/api/instances/{instance_id}/attachments"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]


def test_a_file_larger_than_the_general_request_limit_may_be_uploaded(as_user, case):
    scan = samples.pdf() + b"\n%" + b"0" * (9 * 1024 * 1024)  # beyond the 8 MB of other requests
    answer = upload(as_user("inspector"), case["id"], scan, filename="扫描件.pdf")
    assert answer.status_code == 201 and answer.json["size"] == len(scan)
