"""Case files on the pages (docs/files.md "Pages"): the files section of the case and task pages, the upload
(htmx, or a plain multipart form that redirects back), the preview page of an image or PDF, downloads, and
the list the form widget of a ``files`` field draws.

The section and the widget load their list themselves (:func:`case_files`, a template global), so a page
includes them with one line and its view needs to know nothing about files.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from workflow_app.domain.collaboration import transfers
from workflow_app.entrypoints.api.attachments import serve_file
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import bp, error_text, flash_response, is_htmx, principal
from workflow_app.platform.errors import DomainError, Invalid
from workflow_app.platform.files import attachments
from workflow_app.platform.persistence.database import in_transaction


def _files_view(session, p, instance_id: int, task_id: str | None = None) -> dict:
    rows = attachments.list_for_instance(session, p, instance_id)
    rules = attachments.policy()
    return {"files": attachments.describe(session, rows), "files_instance_id": instance_id,
            "files_task_id": task_id,
            "files_kinds": {code: (rules.kinds_en.get(code) or label) if in_english() else label for code, label in rules.kinds.items()},
            "files_max_mb": round(rules.max_bytes / 1024 / 1024),
            "files_accept": ",".join(sorted({f".{t.extension}" for t in rules.allowed()}))}


@bp.app_template_global()
def in_english() -> bool:
    """Whether the page is drawn in English (a global: the form widgets' macros see no page context)."""
    return str(get_locale() or "").startswith("en")


@bp.app_template_global()
def case_files(instance_id: int, task_id: str | None = None) -> dict:
    """The files of a case the signed-in user sees, with what the upload form needs (for the partials)."""
    p = principal()
    return in_transaction(db(), lambda s: _files_view(s, p, instance_id, task_id))


@bp.app_template_global()
def field_files(task) -> dict:
    """What a form's "files" field of ``task`` chooses from: the files of the task's case — for a transfer's
    package, the sending case (docs/files.md "Form fields") — and where a new upload goes."""
    p = principal()

    def run(s):
        instance_id = transfers.files_instance_of(s, task.instance_id)
        # a file uploaded from the field belongs to the task only when the task is of that case
        view = _files_view(s, p, instance_id, task.id if instance_id == task.instance_id else None)
        view["upload_url"] = url_for("attachments.upload", instance_id=instance_id)
        return view
    return in_transaction(db(), run)


@bp.app_template_global()
def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _back(default: str) -> str:
    """Where a plain form returns to: a path of this site only (never another host)."""
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc or "\\" in target:
        return default
    return target


@bp.route("/cases/<int:instance_id>/files", methods=["POST"])
def upload_file(instance_id):
    p = principal()
    task_id = request.form.get("task_id") or None
    default = url_for("web.task_page", task_id=task_id) if task_id else url_for("web.case_page", instance_id=instance_id)
    try:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise Invalid("请选择要上传的文件", "no file in the upload", errors={"file": "请选择文件"})
        data = upload.read()
        in_transaction(db(), lambda s: attachments.add(
            s, p, instance_id, upload.filename, data, task_id=task_id,
            kind=request.form.get("kind") or "evidence", description=request.form.get("description") or None))
    except DomainError as exc:
        if is_htmx():  # a 422 is swapped by htmx (static/web.js), shown in the page's flash area
            return flash_response(error_text(exc), "error", 422)
        raise
    if is_htmx():
        ctx = in_transaction(db(), lambda s: _files_view(s, p, instance_id, task_id))
        response = make_response(render_template("web/files/_case_files_body.html", uploaded=True, **ctx))
        response.headers["HX-Trigger"] = "case-files-changed"  # the case page reloads its timeline
        return response
    return redirect(_back(default) + "#case-files", code=303)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    limit = round(attachments.policy().max_bytes / 1024 / 1024)
    message = _("上传内容过大：单个文件不能超过 %(n)s MB", n=limit)
    if is_htmx():
        return flash_response(message, "error", 422)
    return render_template("web/error.html", error_message=message, status=413), 413


@bp.route("/files/<int:attachment_id>")
def file_page(attachment_id):
    """The preview page: the file's facts, an image or the PDF in a frame, the download link."""
    p = principal()

    def run(s):
        row = attachments.get(s, p, attachment_id)
        return attachments.describe(s, [row])[0]
    return render_template("web/files/file.html", file=in_transaction(db(), run))


@bp.route("/files/<int:attachment_id>/preview")
def file_preview(attachment_id):
    return serve_file(principal(), attachment_id, inline=True)


@bp.route("/files/<int:attachment_id>/download")
def file_download(attachment_id):
    return serve_file(principal(), attachment_id, inline=False)
