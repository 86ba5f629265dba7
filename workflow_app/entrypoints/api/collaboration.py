"""Inter-agency collaboration over HTTP (docs/collaboration.md): transfers, notifications and assistance
requests from a case, the ledgers (移送台账/通报台账) with .xlsx export, police transfers, joint hearings,
liaison meetings and their schedules, emergencies and supervised handling (挂牌督办)."""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from workflow_app.domain import collaboration  # noqa: F401  (registers handlers and number kinds)
from workflow_app.domain.collaboration import emergencies, hearings, ledgers, meetings, police, transfers
from workflow_app.domain.collaboration.common import bureau_exists
from workflow_app.domain.collaboration.models import InterAgencyTransfer, MeetingSchedule
from workflow_app.domain.intake.models import Case
from workflow_app.domain.intake.queries import visible_case
from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import ProblemSchema
from workflow_app.platform.errors import Forbidden, NotFound
from workflow_app.platform.organisation import BODY_LABELS, HANDLING_BODIES
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import Bureau

blp = Blueprint("collaboration", __name__, url_prefix="/api",
                description="Inter-agency collaboration: transfers, ledgers, police transfers, joint hearings, meetings")

_CODE = validate.Length(min=1, max=64)


class ZhSchema(Schema):
    error_messages = {"unknown": "不认识的字段", "type": "请求内容格式不正确"}


class TransferCreateSchema(ZhSchema):
    kind = fields.String(load_default="transfer", validate=validate.OneOf(["transfer", "notification", "assistance"]))
    to_body = fields.String(required=True, validate=validate.OneOf(list(HANDLING_BODIES)))
    to_bureau = fields.String(load_default=None, allow_none=True, validate=_CODE)
    assist_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["evidence", "service"]))
    reason = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    materials = fields.List(fields.String(validate=validate.Length(min=1, max=200)), required=True,
                            validate=validate.Length(min=1, max=50))
    attachments = fields.List(fields.Integer(strict=True), load_default=list, validate=validate.Length(max=200),
                              metadata={"description": "ids of the sending case's attachments the transfer carries"})


class PoliceWorkerSchema(ZhSchema):
    amount = fields.Float(required=True, validate=validate.Range(min=0, max=1e9), allow_nan=False)
    months_unpaid = fields.Integer(required=True, validate=validate.Range(min=0, max=600))


class PoliceTransferSchema(ZhSchema):
    order_served = fields.Boolean(load_default=False, metadata={"description": "责令支付文书已送达"})
    order_posted = fields.Boolean(load_default=False, metadata={"description": "用人单位逃匿：文书已张贴并拍照录像"})
    order_deadline = fields.Date(required=True, metadata={"description": "责令支付的期限"})
    paid = fields.Boolean(load_default=False)
    evasion = fields.Boolean(load_default=False, metadata={"description": "转移财产、逃匿、毁灭工资账册等"})
    able_to_pay = fields.Boolean(load_default=False)
    workers = fields.List(fields.Nested(PoliceWorkerSchema), required=True, validate=validate.Length(min=1, max=2000))
    reason = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class LedgerQuerySchema(ZhSchema):
    ledger = fields.String(load_default="transfer", validate=validate.OneOf(["transfer", "notification"]))
    direction = fields.String(load_default="all", validate=validate.OneOf(["all", "in", "out"]))
    status = fields.String(load_default=None, validate=validate.Length(max=32))
    kind = fields.String(load_default=None, validate=validate.OneOf(["transfer", "notification", "assistance", "police"]))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    overdue = fields.Boolean(load_default=None, allow_none=True)
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def _bureau_names(s) -> dict[str, str]:
    return dict(s.execute(select(Bureau.code, Bureau.name)).all())


def _transfer_dict(s, row, names: dict[str, str] | None = None):
    return ledgers.row_dict(row, names=names if names is not None else _bureau_names(s))


# ------------------------------------------------------------------------------------------------
# Transfers, notifications, assistance requests
# ------------------------------------------------------------------------------------------------

@blp.route("/cases/<int:case_id>/transfers", methods=["POST"])
@blp.arguments(TransferCreateSchema)
@blp.response(201)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def create_transfer(args, case_id):
    """Start a transfer (移送), notification (通报) or assistance request (协助请求) from a case; the sending
    body's liaison officer reviews and packages it next."""
    principal = current_principal()
    return in_transaction(db(), lambda s: _transfer_dict(s, transfers.create_transfer(s, principal, case_id, args)))


@blp.route("/cases/<int:case_id>/transfers")
@blp.response(200)
def case_transfers(case_id):
    """Transfers, notifications, assistance requests and police transfers of a case."""
    principal = current_principal()

    def run(s):
        case = visible_case(s, principal, case_id)
        rows = s.scalars(select(InterAgencyTransfer).where(InterAgencyTransfer.case_id == case.id)
                         .order_by(InterAgencyTransfer.id))
        names = _bureau_names(s)  # once, not per row
        return {"items": [_transfer_dict(s, r, names) for r in rows]}
    return in_transaction(db(), run)


@blp.route("/transfers/<int:transfer_id>")
@blp.response(200)
@blp.alt_response(404, schema=ProblemSchema)
def get_transfer(transfer_id):
    """One transfer: visible to whoever may read the ledger of the sending or the receiving body."""
    principal = current_principal()

    def run(s):
        row = s.get(InterAgencyTransfer, transfer_id) if 0 < transfer_id < 2**31 else None
        if row is None or not (ledgers.may_read(s, principal, row.from_bureau, row.from_body)
                               or ledgers.may_read(s, principal, row.to_bureau, row.to_body)):
            raise NotFound("移送记录不存在或无权查看", f"transfer {transfer_id} not found")
        return _transfer_dict(s, row)
    return in_transaction(db(), run)


@blp.route("/cases/<int:case_id>/police-transfers", methods=["POST"])
@blp.arguments(PoliceTransferSchema)
@blp.response(201)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def create_police_transfer(args, case_id):
    """Start the transfer of an inspection case to the police (docs/collaboration.md §3): the thresholds and the
    preconditions are checked by the diagram; an ineligible case answers 201 with status ``not_eligible``
    and the reasons."""
    principal = current_principal()
    args = {**args, "order_deadline": args["order_deadline"].isoformat()}
    return in_transaction(db(), lambda s: _transfer_dict(s, police.start(s, principal, case_id, args)))


# ------------------------------------------------------------------------------------------------
# Ledgers
# ------------------------------------------------------------------------------------------------

def _ledger_rows(s, principal, bureau, body, args, paged=True):
    stmt = ledgers.query(s, principal, bureau, body, args["ledger"], args["direction"], args["status"], args["kind"],
                         args["date_from"], args["date_to"], args["overdue"], args["q"])
    total = ledgers.count(s, stmt)
    if paged:
        stmt = stmt.limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])
    else:
        stmt = stmt.limit(10000)
    names = _bureau_names(s)
    return [ledgers.row_dict(r, names=names) for r in s.scalars(stmt)], total, names


@blp.route("/ledgers/<string:bureau>/<string:body>")
@blp.arguments(LedgerQuerySchema, location="query")
@blp.response(200)
@blp.alt_response(404, schema=ProblemSchema)
def get_ledger(args, bureau, body):
    """A body's transfer ledger (移送台账: transfers, police transfers) or notification ledger (通报台账:
    notifications, assistance requests): sent and received rows, newest first."""
    principal = current_principal()

    def run(s):
        items, total, _ = _ledger_rows(s, principal, bureau, body, args)
        return {"items": items, "total": total, "ledger": args["ledger"], "title": ledgers.LEDGER_TITLES[args["ledger"]]}
    return in_transaction(db(), run)


@blp.route("/ledgers/<string:bureau>/<string:body>/export.xlsx")
@blp.arguments(LedgerQuerySchema, location="query")
@blp.response(200, description="the ledger as an .xlsx workbook (Chinese headers)",
              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
@blp.alt_response(404, schema=ProblemSchema)
def export_ledger(args, bureau, body):
    """The same rows and filters as the ledger, as an Excel workbook with Chinese headers."""
    principal = current_principal()

    def run(s):
        items, _, names = _ledger_rows(s, principal, bureau, body, args, paged=False)
        return ledgers.export_xlsx(items, args["ledger"], f"{names.get(bureau, bureau)}{BODY_LABELS.get(body, body)}")
    content = in_transaction(db(), run)
    filename = f"ledger-{args['ledger']}.xlsx"
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ------------------------------------------------------------------------------------------------
# Joint hearings
# ------------------------------------------------------------------------------------------------

class HearingCreateSchema(ZhSchema):
    case_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    complaint_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    request_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=2, max=2000))


@blp.route("/joint-hearings", methods=["POST"])
@blp.arguments(HearingCreateSchema)
@blp.response(201)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def create_hearing(args):
    """Request a joint hearing (联合会商) of a difficult case: from the triage room's request, a complaint the
    triage room sees, or a case of the caller's body."""
    principal = current_principal()

    def run(s):
        hearing = hearings.start(s, principal, args)
        return hearings.hearing_dict(s, hearing)
    return in_transaction(db(), run)


@blp.route("/joint-hearings/<int:hearing_id>")
@blp.response(200)
@blp.alt_response(404, schema=ProblemSchema)
def get_hearing(hearing_id):
    """A joint hearing with every body's written opinion, the schedule, participants, minutes and conclusion."""
    principal = current_principal()
    return in_transaction(db(), lambda s: hearings.hearing_dict(s, hearings.visible_hearing(s, principal, hearing_id)))


# ------------------------------------------------------------------------------------------------
# Liaison meetings
# ------------------------------------------------------------------------------------------------

class MeetingCreateSchema(ZhSchema):
    bureau = fields.String(required=True, validate=_CODE)
    reason = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class BureauQuerySchema(ZhSchema):
    bureau = fields.String(required=True, validate=_CODE)


class ScheduleSchema(ZhSchema):
    active = fields.Boolean(load_default=True)


@blp.route("/liaison-meetings", methods=["POST"])
@blp.arguments(MeetingCreateSchema)
@blp.response(201)
@blp.alt_response(403, schema=ProblemSchema)
def create_meeting(args):
    """Convene an ad-hoc liaison meeting (e.g. for a major emergency): leadership of the bureau or its city, or
    the bureau's liaison officers and division heads."""
    principal = current_principal()

    def run(s):
        if not common_bureau(s, args["bureau"]) or not meetings.may_convene(principal, s, args["bureau"]):
            raise Forbidden("无权召集该辖区的联席会议", "not allowed to convene a meeting there")
        return meetings.meeting_dict(s, meetings.start_meeting(s, principal, args["bureau"], "ad_hoc",
                                                               reason=args["reason"]))
    return in_transaction(db(), run)


def common_bureau(s, code):
    return bureau_exists(s, code)


@blp.route("/liaison-meetings/<int:meeting_id>")
@blp.response(200)
@blp.alt_response(404, schema=ProblemSchema)
def get_meeting(meeting_id):
    """A meeting with its agenda (compiled from live data when it started), minutes and action items."""
    principal = current_principal()
    return in_transaction(db(), lambda s: meetings.meeting_dict(s, meetings.visible_meeting(s, principal, meeting_id)))


@blp.route("/liaison-meetings/agenda")
@blp.arguments(BureauQuerySchema, location="query")
@blp.response(200)
@blp.alt_response(403, schema=ProblemSchema)
def preview_agenda(args):
    """The agenda a meeting of this bureau would get now (for those who may convene it)."""
    principal = current_principal()

    def run(s):
        if not common_bureau(s, args["bureau"]) or not meetings.may_convene(principal, s, args["bureau"]):
            raise Forbidden("无权查看该辖区的会议议程", "not allowed")
        return meetings.agenda(s, args["bureau"])
    return in_transaction(db(), run)


@blp.route("/liaison-meetings/schedules")
@blp.response(200)
def list_schedules():
    """The quarterly meeting schedules (bureau, active, next start)."""
    current_principal()
    return in_transaction(db(), lambda s: {"items": [meetings.schedule_dict(r) for r in s.scalars(
        select(MeetingSchedule).order_by(MeetingSchedule.bureau))]})


@blp.route("/liaison-meetings/schedules/<string:bureau>", methods=["PUT"])
@blp.arguments(ScheduleSchema)
@blp.response(200)
@blp.alt_response(403, schema=ProblemSchema)
def put_schedule(args, bureau):
    """Enable (or pause) the quarterly meeting of a bureau: the worker starts it at 09:00 on the first working
    day of each quarter. Process owners and administrators."""
    principal = current_principal()
    return in_transaction(db(), lambda s: meetings.schedule_dict(meetings.set_schedule(s, principal, bureau, args["active"])))


# ------------------------------------------------------------------------------------------------
# Emergencies and supervised handling
# ------------------------------------------------------------------------------------------------

class EmergencySchema(ZhSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["media_exposure", "mass_incident", "serious_impact"]))
    description = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    convene_meeting = fields.Boolean(load_default=False)


class SuperviseSchema(ZhSchema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    deadline_rule = fields.String(load_default="30WD", validate=validate.Regexp(r"^[1-9][0-9]{0,2}(WD|CD|D|h)$"))


class SupervisionQuerySchema(ZhSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "closed"]))
    overdue = fields.Boolean(load_default=None, allow_none=True)


class CloseSchema(ZhSchema):
    result = fields.String(required=True, validate=validate.Length(min=2, max=2000))


@blp.route("/cases/<int:case_id>/emergency", methods=["POST"])
@blp.arguments(EmergencySchema)
@blp.response(200)
@blp.alt_response(404, schema=ProblemSchema)
def declare_emergency(args, case_id):
    """Declare an emergency: urgent (arbitration fast track), tasks first in every inbox, inspection notified
    for first intervention, optionally an ad-hoc liaison meeting."""
    principal = current_principal()
    return in_transaction(db(), lambda s: emergencies.declare(s, principal, case_id, args))


@blp.route("/cases/<int:case_id>/supervision", methods=["POST"])
@blp.arguments(SuperviseSchema)
@blp.response(201)
@blp.alt_response(403, schema=ProblemSchema)
def supervise_case(args, case_id):
    """Supervised handling (挂牌督办) by the higher level's leadership, with its own deadline."""
    principal = current_principal()

    def run(s):
        row = emergencies.supervise(s, principal, case_id, args)
        return emergencies.supervised_dict(s, row, s.get(Case, row.case_id))
    return in_transaction(db(), run)


@blp.route("/supervision")
@blp.arguments(SupervisionQuerySchema, location="query")
@blp.response(200)
def list_supervision(args):
    """The supervising level's view: its supervised cases with deadline, overdue flag and open tasks."""
    principal = current_principal()

    def run(s):
        rows = s.execute(emergencies.supervised_query(s, principal, args["status"], args["overdue"]).limit(500)).all()
        return {"items": [emergencies.supervised_dict(s, r, c) for r, c in rows]}
    return in_transaction(db(), run)


@blp.route("/supervision/<int:supervision_id>/close", methods=["POST"])
@blp.arguments(CloseSchema)
@blp.response(200)
@blp.alt_response(404, schema=ProblemSchema)
def close_supervision(args, supervision_id):
    """Close a supervised handling with its result (the supervising leadership)."""
    principal = current_principal()

    def run(s):
        row = emergencies.close(s, principal, supervision_id, args["result"])
        return emergencies.supervised_dict(s, row, s.get(Case, row.case_id))
    return in_transaction(db(), run)
