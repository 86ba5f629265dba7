"""Intake window over HTTP: registration with receipt, complaints, cases, catalogue, numbering schemes.

The registration body is validated by the intake service with ``RegistrationSchema`` (one Chinese message
per field path, every problem at once, checked against the deployed catalogue), so the endpoint takes the
JSON as it comes and documents its body with that same schema.
"""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import and_, func, select

from workflow_app.domain import vocabulary
from workflow_app.domain.intake import catalog as catalog_mod
from workflow_app.domain.intake import registration
from workflow_app.platform.numbering import numbers as numbering
from workflow_app.domain.intake import queries as views
from workflow_app.domain.intake.models import Case, Complaint
from workflow_app.domain.intake.registration_schema import RegistrationSchema
from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import ProblemSchema
from workflow_app.platform.errors import Forbidden, Invalid
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import ProcessInstance
from workflow_app.platform.personal_data import reveal as personal_data

blp = Blueprint("intake", __name__, url_prefix="/api", description="Intake window: registration, triage outcome, cases")


# ------------------------------------------------------------------------------------------------
# Schemas (queries and responses; the registration's is the domain's RegistrationSchema)
# ------------------------------------------------------------------------------------------------

class ZhSchema(Schema):
    """Input schemas of this module answer in Chinese, like the registration itself."""

    error_messages = {"unknown": "不认识的字段", "type": "请求内容格式不正确"}


def _int(**kw):
    return fields.Integer(error_messages={"invalid": "应为整数"}, **kw)


def _flag(**kw):
    return fields.Boolean(error_messages={"invalid": "应为 true 或 false"}, **kw)


def _page():
    return _int(load_default=1, validate=validate.Range(min=1, max=100000, error="页码应在1至100000之间"))


def _per_page():
    return _int(load_default=50, validate=validate.Range(min=1, max=200, error="每页条数应在1至200之间"))

class CaseSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    body = fields.String()
    body_label = fields.String()
    jurisdiction = fields.String()
    jurisdiction_name = fields.String()
    process_key = fields.String()
    instance_id = fields.Integer()
    status = fields.String(metadata={"description": "open | closed (from the process instance)"})
    status_label = fields.String()
    source = fields.String()
    rules = fields.List(fields.String())
    urgent = fields.Boolean()
    fast_track = fields.Boolean()
    criminal_watch = fields.Boolean()
    employer_name = fields.String()
    summary = fields.String(allow_none=True)
    acceptance_due_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    opened_at = fields.String(metadata={"format": "date-time"})
    opened_by = fields.String()
    complaint_id = fields.Integer()
    complaint_number = fields.String(allow_none=True)


class CaseDetailSchema(CaseSchema):
    claims = fields.List(fields.Dict())
    open_tasks = fields.List(fields.Dict())
    duplicate_registrations = fields.List(fields.Dict())


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema))
    total = fields.Integer()


class CaseQuerySchema(ZhSchema):
    body = fields.String(load_default=None, validate=validate.OneOf(
        ["inspection", "si_audit", "arbitration"], error="办理机构应为 inspection、si_audit 或 arbitration"))
    jurisdiction = fields.String(load_default=None, validate=validate.Length(max=64, error="辖区代码过长"))
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "closed"], error="状态应为 open 或 closed"))
    urgent = _flag(load_default=None)
    fast_track = _flag(load_default=None)
    criminal_watch = _flag(load_default=None)
    complaint_id = _int(load_default=None, validate=validate.Range(min=1, max=2**31 - 1, error="登记编号超出范围"))
    number = fields.String(load_default=None, validate=validate.Length(max=100, error="案件编号过长"))
    page = _page()
    per_page = _per_page()


class ComplaintSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    channel = fields.String()
    channel_label = fields.String()
    source_department = fields.String(allow_none=True)
    received_at = fields.String(metadata={"format": "date-time"})
    registered_at = fields.String(metadata={"format": "date-time"})
    registered_by = fields.String()
    window = fields.Dict()
    status = fields.String()
    status_label = fields.String()
    employer = fields.Dict()
    complainant = fields.Dict(metadata={"description": "identity and phone numbers masked"})
    workers_affected = fields.Integer()
    flags = fields.Dict()
    triage_instance_id = fields.Integer(allow_none=True)


class ComplaintDetailSchema(ComplaintSchema):
    facts = fields.Dict()
    worker_breakdown = fields.List(fields.Dict())
    description = fields.String(allow_none=True)
    claims = fields.List(fields.Dict())
    cases = fields.List(fields.Nested(CaseSchema))
    referrals = fields.List(fields.Dict())
    notifications = fields.List(fields.Dict())
    duplicate_links = fields.List(fields.Dict())
    joint_hearing_requests = fields.List(fields.Dict())
    triage_steps = fields.List(fields.Dict())


class ReceiptSchema(Schema):
    number = fields.String()
    received_at = fields.String(metadata={"format": "date-time"})
    registered_at = fields.String(metadata={"format": "date-time"})
    window = fields.Dict()
    message = fields.String()
    text = fields.String()


class RegistrationResultSchema(ComplaintDetailSchema):
    receipt = fields.Nested(ReceiptSchema)


class ComplaintPageSchema(Schema):
    items = fields.List(fields.Nested(ComplaintSchema))
    total = fields.Integer()


class ComplaintQuerySchema(ZhSchema):
    number = fields.String(load_default=None, validate=validate.Length(max=100, error="编号过长"))
    status = fields.String(load_default=None, validate=validate.OneOf(list(vocabulary.COMPLAINT_STATUS_LABELS), error="状态不正确"))
    employer = fields.String(load_default=None, validate=validate.Length(max=300, error="单位名称过长"))
    uscc = fields.String(load_default=None, validate=validate.Length(max=18, error="统一社会信用代码过长"))
    district = fields.String(load_default=None, validate=validate.Length(max=64, error="区县代码过长"))
    page = _page()
    per_page = _per_page()


class IntakeRevealSchema(ZhSchema):
    field_names = fields.List(fields.String(validate=validate.OneOf(["id_number", "phone"],
                                                                    error="只能查看身份证号码（id_number）或电话（phone）")),
                              load_default=list, data_key="fields", validate=validate.Length(max=2),
                              error_messages={"invalid": "fields 应为列表"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=personal_data.MAX_REASON,
                                                                   error="查看理由应为1至200字"),
                           error_messages={"required": "请填写查看理由", "invalid": "查看理由应为文本"})


class IntakeRevealResultSchema(Schema):
    complaint_id = fields.Integer()
    number = fields.String()
    values = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))


class NumberSchemeSchema(Schema):
    kind = fields.String()
    kind_label = fields.String()
    bureau_code = fields.String()
    bureau_name = fields.String()
    pattern = fields.String()
    bureau_short = fields.String()
    source = fields.String()
    issued_this_year = fields.Integer()
    next_number = fields.String()


class NumberSchemeInSchema(ZhSchema):
    kind = fields.String(required=True, metadata={"description": "complaint | inspection | si_audit | arbitration"},
                         error_messages={"required": "请填写编号种类", "invalid": "编号种类应为文本"})
    bureau_code = fields.String(required=True, validate=validate.Length(min=1, max=64, error="机构代码应为1至64个字符"),
                                metadata={"description": "a bureau code, or '*' for every bureau without its own"},
                                error_messages={"required": "请填写机构代码", "invalid": "机构代码应为文本"})
    pattern = fields.String(required=True, metadata={"description": "e.g. {bureau_short}投〔{year}〕{seq:05d}号"},
                            error_messages={"required": "请填写编号格式", "invalid": "编号格式应为文本"})
    bureau_short = fields.String(load_default=None, allow_none=True,
                                 error_messages={"invalid": "机构简称应为文本"})


# ------------------------------------------------------------------------------------------------
# Registration and complaints
# ------------------------------------------------------------------------------------------------

@blp.route("/intake/registrations", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": RegistrationSchema}}})
@blp.response(201, RegistrationResultSchema)
@blp.alt_response(403, schema=ProblemSchema, description="Not an intake clerk")
@blp.alt_response(422, schema=ProblemSchema, description="One Chinese message per field path; nothing saved")
def register():
    """Register a complaint (投诉) or report (举报): validate, number, link duplicates, triage, open the cases.

    Answers the registration with its receipt (complaint number, and where each claim went)."""
    principal = current_principal()
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("登记内容应为JSON对象", "the request body must be a JSON object", errors={"_": "登记内容应为JSON对象"})

    def run(s):
        complaint = registration.register(s, principal, data)
        s.flush()
        doc = views.complaint_dict(s, complaint)
        doc["receipt"] = views.receipt(s, complaint, doc)
        return doc
    return in_transaction(db(), run)


@blp.route("/intake/complaints")
@blp.arguments(ComplaintQuerySchema, location="query")
@blp.response(200, ComplaintPageSchema)
def list_complaints(args):
    """Registrations visible to the caller, newest first."""
    principal = current_principal()

    def run(s):
        cond = [views.complaint_visibility(s, principal)]
        if args["number"]:
            cond.append(Complaint.number == args["number"])
        if args["status"]:
            cond.append(Complaint.status == args["status"])
        if args["uscc"]:
            cond.append(Complaint.employer_uscc == args["uscc"].upper())
        if args["district"]:
            cond.append(Complaint.employer_district == args["district"])
        if args["employer"]:
            escaped = args["employer"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            cond.append(Complaint.employer_name.like(f"%{escaped}%", escape="\\"))
        where = and_(*cond)
        total = s.scalar(select(func.count()).select_from(Complaint).where(where))
        rows = s.scalars(select(Complaint).where(where).order_by(Complaint.id.desc())
                         .limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"]))
        return {"items": [views.complaint_dict(s, c, detail=False) for c in rows], "total": total}
    return in_transaction(db(), run)


@blp.route("/intake/complaints/<int:complaint_id>")
@blp.response(200, ComplaintDetailSchema)
@blp.alt_response(404, schema=ProblemSchema)
def get_complaint(complaint_id):
    """One registration with its claims and their routes, cases, referrals, regulator notifications,
    duplicate links, joint-hearing requests and triage steps."""
    principal = current_principal()
    return in_transaction(db(), lambda s: views.complaint_dict(s, views.visible_complaint(s, principal, complaint_id)))


@blp.route("/intake/complaints/<int:complaint_id>/receipt")
@blp.response(200, ReceiptSchema)
@blp.alt_response(404, schema=ProblemSchema)
def get_receipt(complaint_id):
    """The receipt (回执) of a registration, as issued and as it stands now."""
    principal = current_principal()
    return in_transaction(db(), lambda s: views.receipt(s, views.visible_complaint(s, principal, complaint_id)))


@blp.route("/intake/complaints/<int:complaint_id>/personal-data/reveal", methods=["POST"])
@blp.arguments(IntakeRevealSchema)
@blp.response(200, IntakeRevealResultSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
def reveal(args, complaint_id):
    """Full identity and phone number of the complainant, with a reason; every reveal is audited."""
    principal = current_principal()

    def run(s):
        complaint = views.visible_complaint(s, principal, complaint_id)
        values = {"id_number": complaint.complainant_id_number, "phone": complaint.complainant_phone}
        wanted = args["field_names"] or ["id_number", "phone"]
        return {"complaint_id": complaint.id, "number": complaint.number,
                "values": personal_data.reveal(s, principal, entity_type="complaint", entity_id=complaint.id,
                                               values=values, fields=wanted, reason=args["reason"],
                                               business_key=complaint.number)}
    return in_transaction(db(), run)


@blp.route("/intake/catalog")
def get_catalog():
    """The registration vocabulary: kinds, channels, proceedings, issue codes (from issue_codes.dmn) and
    construction-project types (from regulators.dmn) of the deployed triage process."""
    current_principal()
    return in_transaction(db(), lambda s: catalog_mod.load(s).as_dict())


# ------------------------------------------------------------------------------------------------
# Numbering schemes
# ------------------------------------------------------------------------------------------------

def _require_numbering_admin(principal) -> None:
    if not (principal.is_process_owner or principal.is_admin):
        raise Forbidden("只有流程管理员或系统管理员可以设置编号格式", "numbering requires process_owner or administrator")


@blp.route("/intake/numbering")
@blp.response(200, NumberSchemeSchema(many=True))
@blp.alt_response(403, schema=ProblemSchema)
def list_numbering():
    """The effective numbering pattern of every kind in every bureau, with the next number."""
    principal = current_principal()
    _require_numbering_admin(principal)
    return in_transaction(db(), numbering.list_schemes)


@blp.route("/intake/numbering", methods=["PUT"])
@blp.arguments(NumberSchemeInSchema)
@blp.response(200, NumberSchemeSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def set_numbering(args):
    """Set the pattern (and optionally the short name) of one kind of number for a bureau, or ``*``."""
    principal = current_principal()
    _require_numbering_admin(principal)

    def run(s):
        numbering.set_scheme(s, principal.username, args["kind"], args["bureau_code"], args["pattern"],
                             args["bureau_short"])
        code = args["bureau_code"]
        rows = [r for r in numbering.list_schemes(s) if r["kind"] == args["kind"] and (code == "*" or r["bureau_code"] == code)]
        return rows[0] if rows else {"kind": args["kind"], "bureau_code": code, "pattern": args["pattern"]}
    return in_transaction(db(), run)


# ------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------

@blp.route("/cases")
@blp.arguments(CaseQuerySchema, location="query")
@blp.response(200, CasePageSchema)
def list_cases(args):
    """Cases visible to the caller (the access rules of process instances), newest first, with their flags."""
    principal = current_principal()

    def run(s):
        query = views.case_query(principal)
        for key in ("body", "jurisdiction", "complaint_id", "number"):
            if args[key] is not None:
                query = query.where(getattr(Case, key) == args[key])
        for key in ("urgent", "fast_track", "criminal_watch"):
            if args[key] is not None:
                query = query.where(getattr(Case, key).is_(args[key]))
        if args["status"] == "open":
            query = query.where(ProcessInstance.status == "running")
        elif args["status"] == "closed":
            query = query.where(ProcessInstance.status != "running")
        total = s.scalar(select(func.count()).select_from(query.subquery()))
        rows = s.scalars(query.order_by(Case.id.desc()).limit(args["per_page"])
                         .offset((args["page"] - 1) * args["per_page"]))
        return {"items": [views.case_dict(s, c) for c in rows], "total": total}
    return in_transaction(db(), run)


@blp.route("/cases/<int:case_id>")
@blp.response(200, CaseDetailSchema)
@blp.alt_response(404, schema=ProblemSchema)
def get_case(case_id):
    """One case with its claims, open tasks and the registrations linked to it as duplicates."""
    principal = current_principal()
    return in_transaction(db(), lambda s: views.case_dict(s, views.visible_case(s, principal, case_id), detail=True))
