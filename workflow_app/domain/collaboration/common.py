"""Shared helpers of the collaboration package: membership checks, the bureau tree, number kinds, instants
from form data. Its vocabulary is ``domain/vocabulary.py``."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform.numbering import numbers as numbering
from workflow_app.platform import clock
from workflow_app.platform.errors import Conflict, Forbidden, Invalid
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.organisation import BODY_LABELS
from workflow_app.platform.persistence.models import Bureau, ProcessInstance

#: Numbering kinds (platform numbering service: pattern per bureau, counter per bureau and year).
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
        numbering.register_kind(kind, label, pattern)


def member_of(p: Principal, bureau: str, body: str) -> bool:
    return (bureau, body) in p.bodies()


def require_member(p: Principal, bureau: str, body: str, what: str) -> None:
    if not member_of(p, bureau, body):
        raise Forbidden(f"只有{BODY_LABELS.get(body, body)}的工作人员才能{what}", f"not a member of {bureau}/{body}")


def require_open_case(session: Session, case, what: str) -> None:
    """A case whose procedure has ended (办结/终止) takes no new collaboration: a Conflict naming the action."""
    instance = session.get(ProcessInstance, case.instance_id) if case.instance_id else None
    if instance is not None and instance.status != "running":
        raise Conflict(f"本案已办结，不能再{what}", f"case {case.number} is {instance.status}",
                       english="This case is closed")


def bureau_exists(session: Session, code: str) -> bool:
    return session.scalar(select(Bureau.id).where(Bureau.code == code)) is not None


def parent_of(session: Session, code: str) -> str | None:
    return identity.parent_map(session).get(code)


def local_iso(value: datetime | None = None) -> str:
    return (value or clock.now()).astimezone(clock.CHINA_TZ).isoformat()


def parse_instant(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=clock.CHINA_TZ)
    parsed = clock.parse_day_or_instant(value)
    # A bare date in a form (an acknowledgement due, a hearing day) means "by the end of that day".
    return parsed if isinstance(parsed, datetime) else clock.end_of_day(parsed)


def invalid(field: str, message: str) -> Invalid:
    return Invalid(message, f"{field}: invalid", errors={field: message})


def iso(value: datetime | None) -> str | None:
    """ISO text in UTC (the API's convention), whatever zone the value carries."""
    return value.astimezone(timezone.utc).isoformat() if value is not None else None
