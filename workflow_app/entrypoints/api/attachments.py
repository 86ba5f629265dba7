"""/api/instances/{id}/attachments and /api/attachments/{id}: upload, list, metadata, download, preview
(docs/files.md). The bytes are served with the type detected at upload, never one a client names."""
from __future__ import annotations

import io

from flask import Response, send_file
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import ProblemSchema
from workflow_app.platform.errors import DomainError
from workflow_app.platform.files import attachments
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import Attachment

blp = Blueprint("attachments", __name__, url_prefix="/api", description="Attachments: evidence and documents of a case")

#: Served bytes may not run anything: a PDF opens in a sandbox without scripts, an image draws itself only.
PREVIEW_POLICY = {
    "application/pdf": "sandbox; default-src 'none'; object-src 'self'; plugin-types application/pdf",
}
IMAGE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


class NotPreviewable(DomainError):
    status, type, title = 415, "not-previewable", "Not previewable"


class UploadFormSchema(Schema):
    task_id = fields.String(validate=validate.Length(min=1, max=36),
                            metadata={"description": "attach to this task of the case (it must be visible)"})
    kind = fields.String(load_default="evidence", validate=validate.Length(min=1, max=32),
                         metadata={"description": "evidence, document, transfer, other (platform/files/file_types.json)"})
    description = fields.String(validate=validate.Length(max=attachments.MAX_DESCRIPTION))


class UploadFileSchema(Schema):
    file = Upload(required=True, error_messages={"required": "请选择要上传的文件"})


class AttachmentListQuerySchema(Schema):
    task_id = fields.String(validate=validate.Length(min=1, max=36))
    kind = fields.String(validate=validate.Length(min=1, max=32))


class AttachmentSchema(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    task_id = fields.String(allow_none=True)
    sha256 = fields.String(metadata={"description": "SHA-256 of the content, hex; recorded in the case's audit chain"})
    size = fields.Integer()
    media_type = fields.String(metadata={"description": "detected from the content at upload"})
    type_label = fields.String()
    filename = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    description = fields.String(allow_none=True)
    uploaded_by = fields.String()
    uploaded_by_name = fields.String()
    uploaded_at = fields.DateTime()
    previewable = fields.Boolean()
    source_attachment_id = fields.Integer(allow_none=True,
                                          metadata={"description": "the file of the sending case, for transferred files"})
    content_url = fields.String()
    preview_url = fields.String(allow_none=True)


class AttachmentListSchema(Schema):
    items = fields.List(fields.Nested(AttachmentSchema))


def with_links(document: dict) -> dict:
    document["content_url"] = f"/api/attachments/{document['id']}/content"
    document["preview_url"] = f"/api/attachments/{document['id']}/preview" if document["previewable"] else None
    return document


def file_response(row: Attachment, data: bytes, *, inline: bool) -> Response:
    """The bytes with the detected type, ``inline`` for previews and ``attachment`` for downloads, no sniffing,
    and a content security policy that lets nothing in them run."""
    response = send_file(io.BytesIO(data), mimetype=row.media_type, as_attachment=not inline,
                         download_name=row.filename, etag=row.sha256, max_age=0, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if inline:
        policy = PREVIEW_POLICY.get(row.media_type) or (IMAGE_POLICY if row.media_type.startswith("image/")
                                                        else DOWNLOAD_POLICY)
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Frame-Options"] = "SAMEORIGIN"  # the preview page frames a PDF
    else:
        response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response


def serve_file(principal, attachment_id: int, *, inline: bool) -> Response:
    """One attachment the principal may see, as a download or (``inline``) a preview — the API's and the
    pages' file links alike; a type the browser does not show is refused for preview (415)."""
    def run(s):
        row = attachments.get(s, principal, attachment_id)
        if inline and not attachments.previewable(row):
            raise NotPreviewable("此类文件不能在浏览器中预览，请下载后查看", f"{row.media_type} is not previewable")
        return row, attachments.read_bytes(row)
    row, data = in_transaction(db(), run)
    return file_response(row, data, inline=inline)


@blp.route("/instances/<int:instance_id>/attachments", methods=["POST"])
@blp.arguments(UploadFormSchema, location="form")
@blp.arguments(UploadFileSchema, location="files")
@blp.response(201, AttachmentSchema)
@blp.alt_response(404, schema=ProblemSchema, description="Case (or task) not visible")
@blp.alt_response(413, schema=ProblemSchema, description="File over the size limit")
@blp.alt_response(422, schema=ProblemSchema, description="Type not allowed (checked by content), empty file")
def upload(form, files, instance_id):
    """Attach a file (multipart ``file``) to a case, or to one of its tasks with ``task_id``."""
    principal = current_principal()
    upload_file = files["file"]
    data = upload_file.read()

    def run(s):
        row = attachments.add(s, principal, instance_id, upload_file.filename, data, task_id=form.get("task_id"),
                              kind=form["kind"], description=form.get("description"))
        return with_links(attachments.describe(s, [row])[0])
    return in_transaction(db(), run)


@blp.route("/instances/<int:instance_id>/attachments")
@blp.arguments(AttachmentListQuerySchema, location="query")
@blp.response(200, AttachmentListSchema)
@blp.alt_response(404, schema=ProblemSchema)
def list_attachments(args, instance_id):
    """The files of a case the caller sees, newest first."""
    principal = current_principal()

    def run(s):
        rows = attachments.list_for_instance(s, principal, instance_id, task_id=args.get("task_id"),
                                             kind=args.get("kind"))
        return {"items": [with_links(d) for d in attachments.describe(s, rows)]}
    return in_transaction(db(), run)


@blp.route("/attachments/<int:attachment_id>")
@blp.response(200, AttachmentSchema)
@blp.alt_response(404, schema=ProblemSchema)
def metadata(attachment_id):
    """What one attachment is: name, detected type, size, hash, uploader."""
    principal = current_principal()
    return in_transaction(db(), lambda s: with_links(attachments.describe(
        s, [attachments.get(s, principal, attachment_id)])[0]))


@blp.route("/attachments/<int:attachment_id>/content")
@blp.response(200, description="the file, ``Content-Disposition: attachment``",
              content_type="application/octet-stream")
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(409, schema=ProblemSchema, description="The stored bytes are missing or do not match the hash")
def content(attachment_id):
    """Download the file."""
    return serve_file(current_principal(), attachment_id, inline=False)


@blp.route("/attachments/<int:attachment_id>/preview")
@blp.response(200, description="the file, ``Content-Disposition: inline`` (images and PDFs)",
              content_type="application/octet-stream")
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(415, schema=ProblemSchema, description="This type is not shown in the browser: download it")
def preview(attachment_id):
    """Show an image or PDF in the browser."""
    return serve_file(current_principal(), attachment_id, inline=True)
