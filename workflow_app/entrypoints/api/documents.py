"""Official documents over HTTP (docs/documents.md): the document types, generating a document on a case,
a case's documents with their service records, recording a service, downloading the DOCX or PDF."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from workflow_app.domain.intake import receipt_document
from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import ProblemSchema
from workflow_app.platform.documents import issuing, service, templates
from workflow_app.platform.persistence.database import in_transaction

blp = Blueprint("documents", __name__, url_prefix="/api", description="Official documents: issue, service, download")


class ZhSchema(Schema):
    error_messages = {"unknown": "不认识的字段", "type": "请求内容格式不正确"}


class DocumentTypeSchema(Schema):
    code = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    template = fields.String()
    number_kind = fields.String()
    number_label = fields.String()
    number_pattern = fields.String()
    issuing_bodies = fields.List(fields.String())


class SubjectSchema(Schema):
    value = fields.String()
    label = fields.String()


class IssuableTypeSchema(DocumentTypeSchema):
    subjects = fields.List(fields.Nested(SubjectSchema), allow_none=True)


class ServiceMethodSchema(Schema):
    code = fields.String()
    label_zh = fields.String()
    label_en = fields.String()


class FileSchema(Schema):
    attachment_id = fields.Integer()
    filename = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    media_type = fields.String()


class ServiceRecordSchema(Schema):
    id = fields.Integer()
    document_id = fields.Integer()
    served_on = fields.Date()
    method = fields.String()
    method_label = fields.String()
    method_label_en = fields.String()
    recipient = fields.String()
    proof_attachment_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class DocumentSchema(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    task_id = fields.String(allow_none=True)
    doc_type = fields.String()
    doc_type_label = fields.String()
    doc_type_label_en = fields.String()
    number = fields.String(metadata={"description": "文号"})
    issued_by = fields.String()
    issued_at = fields.DateTime()
    docx = fields.Nested(FileSchema, allow_none=True)
    pdf = fields.Nested(FileSchema, allow_none=True)
    services = fields.List(fields.Nested(ServiceRecordSchema))


class IssueSchema(ZhSchema):
    doc_type = fields.String(required=True, validate=validate.Length(min=1, max=64, error="请选择文书种类"),
                             error_messages={"required": "请选择文书种类"})
    subject = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                            metadata={"description": "which item the document is for (e.g. the transfer id)"})
    task_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))


class ServiceInSchema(ZhSchema):
    served_on = fields.Date(required=True, error_messages={"required": "请填写送达日期", "invalid": "送达日期格式应为YYYY-MM-DD"})
    method = fields.String(required=True, error_messages={"required": "请选择送达方式"})
    recipient = fields.String(required=True, error_messages={"required": "请填写受送达人"})
    note = fields.String(load_default=None, allow_none=True)
    proof_attachment_id = fields.Integer(load_default=None, allow_none=True,
                                         validate=validate.Range(min=1, max=2**31 - 1, error="送达凭证无效"))


def _document(s, row) -> dict:
    return issuing.document_dict(s, row)


@blp.route("/documents/types")
@blp.response(200, DocumentTypeSchema(many=True))
def list_types():
    """Every document type (documents/types.json)."""
    current_principal()
    return [t.as_dict() for t in templates.document_types().values()]


@blp.route("/documents/service-methods")
@blp.response(200, ServiceMethodSchema(many=True))
def list_service_methods():
    """The methods of service a service record may name (documents/service_methods.json)."""
    current_principal()
    return list(templates.service_methods().values())


@blp.route("/instances/<int:instance_id>/documents")
@blp.response(200, DocumentSchema(many=True))
@blp.alt_response(404, schema=ProblemSchema)
def list_documents(instance_id):
    """The documents issued on a case, newest first, with their service records."""
    principal = current_principal()
    return in_transaction(db(), lambda s: issuing.list_for_instance(s, principal, instance_id))


@blp.route("/instances/<int:instance_id>/documents/types")
@blp.response(200, IssuableTypeSchema(many=True))
@blp.alt_response(404, schema=ProblemSchema)
def issuable_types(instance_id):
    """The types the caller may generate on this case, with the subjects to choose from when a type needs one."""
    principal = current_principal()
    return in_transaction(db(), lambda s: issuing.issuable_types(s, principal, instance_id))


@blp.route("/instances/<int:instance_id>/documents", methods=["POST"])
@blp.arguments(IssueSchema)
@blp.response(201, DocumentSchema)
@blp.alt_response(403, schema=ProblemSchema, description="Not a member of an issuing body of the case's bureau")
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema, description="Unknown type, missing subject, template refused")
@blp.alt_response(503, schema=ProblemSchema, description="The PDF converter is missing or timed out")
def issue_document(args, instance_id):
    """Generate a document on a case: a 文号, the DOCX and its PDF stored as the case's attachments, audited."""
    principal = current_principal()

    def run(s):
        row = issuing.issue_for_case(s, principal, instance_id, args["doc_type"], args["subject"], args["task_id"])
        return _document(s, row)
    return in_transaction(db(), run)


@blp.route("/intake/complaints/<int:complaint_id>/receipt-document", methods=["POST"])
@blp.response(201, DocumentSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(503, schema=ProblemSchema)
def issue_receipt(complaint_id):
    """Generate the 举报投诉登记回执 (DOCX + PDF) of a registration."""
    principal = current_principal()

    def run(s):
        return _document(s, receipt_document.issue_receipt(s, principal, complaint_id))
    return in_transaction(db(), run)


@blp.route("/documents/<int:document_id>")
@blp.response(200, DocumentSchema)
@blp.alt_response(404, schema=ProblemSchema)
def get_document(document_id):
    principal = current_principal()
    return in_transaction(db(), lambda s: _document(s, issuing.get(s, principal, document_id)))


@blp.route("/documents/<int:document_id>/services", methods=["POST"])
@blp.arguments(ServiceInSchema)
@blp.response(201, ServiceRecordSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def record_service(args, document_id):
    """Record a service (送达) of a document; the proof is an attachment of the case (or a note)."""
    principal = current_principal()

    def run(s):
        row = service.record_service(s, principal, document_id, served_on=args["served_on"], method=args["method"],
                                     recipient=args["recipient"], note=args["note"],
                                     proof_attachment_id=args["proof_attachment_id"])
        return issuing.service_dict(row)
    return in_transaction(db(), run)


@blp.route("/documents/<int:document_id>/<string:fmt>")
@blp.response(200, description="the document as DOCX or PDF", content_type="application/octet-stream")
@blp.alt_response(404, schema=ProblemSchema)
def download(document_id, fmt):
    """The issued DOCX (``docx``) or PDF (``pdf``), checked against its stored hash."""
    principal = current_principal()
    attachment, content = in_transaction(db(), lambda s: issuing.document_file(s, principal, document_id, fmt))
    return download_response(attachment, content)


def download_response(attachment, content: bytes, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    ascii_name = f"document-{attachment.id}.{attachment.filename.rsplit('.', 1)[-1]}"
    return Response(content, mimetype=attachment.media_type, headers={
        "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(attachment.filename)}",
        "X-Content-Type-Options": "nosniff"})
