"""Each body's transfer and notification ledgers (移送台账 / 通报台账), with filters and an .xlsx export.

The ledger rows are the :class:`InterAgencyTransfer` rows seen from one body of one bureau: what it sent
(``direction=out``) and what it received (``in``). One row serves both sides, so the two ledgers can never
disagree. 移送台账 = transfers and police transfers; 通报台账 = notifications and assistance requests.
"""
from __future__ import annotations

import io
from datetime import date, datetime, time

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from workflow_app.platform.organisation import BODY_LABELS
from workflow_app.domain.vocabulary import ASSISTANCE_LABELS, TRANSFER_KIND_LABELS, TRANSFER_STATUS_LABELS
from workflow_app.platform import clock
from workflow_app.domain.collaboration.models import InterAgencyTransfer as T
from workflow_app.platform.identifiers import masking
from workflow_app.platform.errors import NotFound
from workflow_app.platform.identity.directory import Principal
from workflow_app.domain.collaboration import common

LEDGERS = {"transfer": ("transfer", "police"), "notification": ("notification", "assistance")}
LEDGER_TITLES = {"transfer": "移送台账", "notification": "通报台账"}
HEADERS = [("number", "编号"), ("date", "日期"), ("kind_label", "类型"), ("from_label", "移送（通报）机构"),
           ("to_label", "接收机构"), ("case_number", "案件编号"), ("employer_name", "用人单位"), ("reason", "事由"),
           ("materials_text", "移送材料"), ("status_label", "状态"), ("ack_due_at_local", "签收期限"),
           ("acknowledged_at_local", "签收时间"), ("overdue_label", "是否逾期"), ("return_reason", "退回理由")]


def may_read(session: Session, p: Principal, bureau: str, body: str) -> bool:
    if common.member_of(p, bureau, body):
        return True
    city = common.parent_of(session, bureau)
    scopes = {bureau} | ({city} if city else set())
    return bool(scopes & (p.bureaus_with_role("leadership") | p.bureaus_with_role("administrator")))


def overdue_condition(now: datetime):
    return or_(T.escalated_at.is_not(None),
               and_(T.ack_due_at.is_not(None),
                    or_(and_(T.acknowledged_at.is_(None), T.ack_due_at < now), T.acknowledged_at > T.ack_due_at)))


def on_time_condition(now: datetime):
    """The exact complement of :func:`overdue_condition` (spelled out: SQL NULLs make ``NOT`` unsafe)."""
    return and_(T.escalated_at.is_(None),
                or_(T.ack_due_at.is_(None), and_(T.acknowledged_at.is_(None), T.ack_due_at >= now),
                    and_(T.acknowledged_at.is_not(None), T.acknowledged_at <= T.ack_due_at)))


def is_overdue(row: T, now: datetime) -> bool:
    if row.escalated_at is not None:
        return True
    if row.ack_due_at is None:
        return False
    return (row.acknowledged_at or now) > row.ack_due_at


def query(session: Session, p: Principal, bureau: str, body: str, ledger: str = "transfer", direction: str = "all",
          status: str | None = None, kind: str | None = None, date_from: date | None = None,
          date_to: date | None = None, overdue: bool | None = None, q: str | None = None):
    if not may_read(session, p, bureau, body):
        raise NotFound("台账不存在或无权查看", f"ledger {bureau}/{body} not visible")
    out = and_(T.from_bureau == bureau, T.from_body == body)
    inc = and_(T.to_bureau == bureau, T.to_body == body)
    side = {"out": out, "in": inc}.get(direction, or_(out, inc))
    stmt = select(T).where(side, T.kind.in_(LEDGERS[ledger]))
    if status:
        stmt = stmt.where(T.status == status)
    if kind:
        stmt = stmt.where(T.kind == kind)
    if date_from:
        stmt = stmt.where(T.created_at >= datetime.combine(date_from, time.min, clock.CHINA_TZ))
    if date_to:
        stmt = stmt.where(T.created_at <= datetime.combine(date_to, time.max, clock.CHINA_TZ))
    if overdue is not None:
        stmt = stmt.where(overdue_condition(clock.now()) if overdue else on_time_condition(clock.now()))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(T.number.like(like), T.case_number.like(like), T.employer_name.like(like)))
    return stmt.order_by(T.created_at.desc(), T.id.desc())


def count(session: Session, stmt) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def _local(value: datetime | None) -> str | None:
    return value.astimezone(clock.CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value else None


def row_dict(row: T, now: datetime | None = None, names: dict[str, str] | None = None) -> dict:
    now = now or clock.now()
    names = names or {}

    def where(bureau, body):
        return f"{names.get(bureau, bureau)} {BODY_LABELS.get(body, body)}"
    overdue = is_overdue(row, now)
    return {
        "id": row.id, "number": row.number, "kind": row.kind,
        "kind_label": TRANSFER_KIND_LABELS.get(row.kind, row.kind) + (
            f"（{ASSISTANCE_LABELS[row.assist_type]}）" if row.assist_type in ASSISTANCE_LABELS else ""),
        "assist_type": row.assist_type, "date": row.created_at.astimezone(clock.CHINA_TZ).date().isoformat(),
        "created_at": common.iso(row.created_at), "created_by": row.created_by,
        "from_bureau": row.from_bureau, "from_body": row.from_body, "from_label": where(row.from_bureau, row.from_body),
        "to_bureau": row.to_bureau, "to_body": row.to_body, "to_label": where(row.to_bureau, row.to_body),
        "case_id": row.case_id, "case_number": row.case_number, "employer_name": row.employer_name,
        "reason": masking.mask_text(row.reason), "materials": list(row.materials or []),
        "materials_text": "；".join(row.materials or []), "letter": masking.mask_text(row.letter),
        "attachments": list((row.details or {}).get("attachments") or []),
        "status": row.status, "status_label": TRANSFER_STATUS_LABELS.get(row.status, row.status),
        "sent_at": common.iso(row.sent_at),
        "ack_due_at": common.iso(row.ack_due_at), "ack_due_at_local": _local(row.ack_due_at),
        "acknowledged_at": common.iso(row.acknowledged_at),
        "acknowledged_at_local": _local(row.acknowledged_at), "acknowledged_by": row.acknowledged_by,
        "answered_at": common.iso(row.answered_at),
        "overdue": overdue, "overdue_label": "是" if overdue else "否",
        "escalated_at": common.iso(row.escalated_at),
        "return_reason": masking.mask_text(row.return_reason), "reply": masking.mask_text(row.reply),
        "new_case_id": row.new_case_id, "instance_id": row.instance_id, "receiver_instance_id": row.receiver_instance_id,
        "details": masking.mask_data(row.details or {}),
    }


def export_xlsx(rows: list[dict], ledger: str, bureau_label: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    book = Workbook()
    sheet = book.active
    sheet.title = LEDGER_TITLES[ledger]
    sheet.append([f"{bureau_label} {LEDGER_TITLES[ledger]}（导出时间 {_local(clock.now())}）"])
    sheet.append([label for _, label in HEADERS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(row.get(key)) for key, _ in HEADERS])
    for column, width in zip("ABCDEFGHIJKLMN", (26, 12, 14, 28, 28, 26, 24, 40, 40, 14, 18, 18, 10, 30)):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if value is None:
        return ""
    text = str(value)
    # Spreadsheet formula injection: text starting with = + - @ is stored as text, never as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
