"""Shared vocabulary and helpers of the collaboration package."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..intake import numbering
from ..models import Bureau
from ..services.errors import Forbidden, Invalid
from ..services.identity import Principal

HANDLING_BODIES = ("inspection", "si_audit", "arbitration")
BODY_LABELS = {"inspection": "劳动保障监察", "si_audit": "社会保险稽核", "arbitration": "劳动人事争议仲裁",
               "police": "公安机关", "intake": "综合窗口", "triage_room": "案件分理室", "leadership": "局领导"}
KIND_LABELS = {"transfer": "案件移送", "notification": "通报", "assistance": "协助请求", "police": "移送公安"}
ASSIST_LABELS = {"evidence": "协助调查取证", "service": "协助送达文书"}
STATUS_LABELS = {
    "requested": "待联络员审核", "reporting": "专案组撰写移送报告", "refused_by_liaison": "联络员不同意移送", "sent": "已发送待签收",
    "acknowledged": "已签收", "accepted": "已接收", "returned": "已退回", "replied": "已答复",
    "reported": "待负责人审批", "not_eligible": "不符合移送条件", "approved": "已批准待移送", "refused": "不批准移送",
    "transferred": "已移送待回执", "received": "公安已接收待立案决定", "filed": "公安已立案",
    "not_filed": "公安不予立案", "no_decision": "公安逾期未决定", "reconsideration": "已提请复议",
    "supervision": "已建议检察监督", "items_handed_over": "已移交涉案物品", "returned_to_admin": "已转回行政处理",
}
#: Numbering kinds (intake numbering service: pattern per bureau, counter per bureau and year).
NUMBER_KINDS = {
    "transfer": ("案件移送编号", "{bureau_short}人社移〔{year}〕{seq:05d}号"),
    "notification": ("通报编号", "{bureau_short}人社通〔{year}〕{seq:05d}号"),
    "assistance": ("协助请求编号", "{bureau_short}人社协〔{year}〕{seq:05d}号"),
    "police_transfer": ("涉嫌犯罪案件移送编号", "{bureau_short}人社移公〔{year}〕{seq:05d}号"),
    "joint_hearing": ("联合会商编号", "{bureau_short}会商〔{year}〕{seq:05d}号"),
    "liaison_meeting": ("联席办公会议编号", "{bureau_short}联席〔{year}〕{seq:03d}号"),
}


def register_number_kinds() -> None:
    for kind, (label, pattern) in NUMBER_KINDS.items():
        numbering.KINDS.setdefault(kind, label)
        numbering.DEFAULT_PATTERNS.setdefault(kind, pattern)


def member_of(p: Principal, bureau: str, body: str) -> bool:
    return (bureau, body) in p.bodies()


def require_member(p: Principal, bureau: str, body: str, what: str) -> None:
    if not member_of(p, bureau, body):
        raise Forbidden(f"只有{BODY_LABELS.get(body, body)}的工作人员才能{what}", f"not a member of {bureau}/{body}")


def bureau_exists(session: Session, code: str) -> bool:
    return session.scalar(select(Bureau.id).where(Bureau.code == code)) is not None


def parent_of(session: Session, code: str) -> str | None:
    from ..services import identity
    return identity.parent_map(session).get(code)


def local_iso(value: datetime | None = None) -> str:
    return (value or clock.now()).astimezone(clock.LOCAL_TZ).isoformat()


def parse_instant(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=clock.LOCAL_TZ)
    text = str(value)
    if len(text) == 10:
        text += "T23:59:59"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=clock.LOCAL_TZ)


def invalid(field: str, message: str) -> Invalid:
    return Invalid(message, f"{field}: invalid", errors={field: message})


def iso(value: datetime | None) -> str | None:
    """ISO text in UTC (the API's convention), whatever zone the value carries."""
    from datetime import timezone
    return value.astimezone(timezone.utc).isoformat() if value is not None else None
