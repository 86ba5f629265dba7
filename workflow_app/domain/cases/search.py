"""Searching registrations (投诉举报) and cases (案件): by number, employer, credit code, complainant, district,
body, status, channel, issue, flag and received date, one page at a time, newest first.

Only what the principal may see is ever counted or returned: registrations through
``intake.queries.complaint_visibility``, cases through ``access.instance_visibility`` (``case_query``) —
the same SQL conditions as the lists and the direct fetches, so a search cannot reveal more than they do.
Complainants' identity and phone numbers are masked in the results (docs/security.md §5); an anonymous
complainant is shown as anonymous and is never found by name.

:func:`parse` turns the page's query parameters (docs/ui.md "Search") into a :class:`SearchQuery`, refusing
bad ones with a Chinese message per field; :func:`search` runs it.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Mapping

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration.models import SupervisedCase
from workflow_app.domain.intake import catalog as catalog_mod
from workflow_app.domain.intake.models import Case, Complaint, ComplaintClaim
from workflow_app.domain.intake.queries import CASE_STATUS, case_query, complaint_visibility
from workflow_app.domain.vocabulary import COMPLAINT_STATUS_LABELS
from workflow_app.platform import clock
from workflow_app.platform.errors import Invalid
from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.organisation import BODY_LABELS, HANDLING_BODIES, N_
from workflow_app.platform.persistence.models import Bureau, ProcessInstance

KINDS: dict[str, str] = {"complaints": N_("投诉举报"), "cases": N_("案件")}
FLAGS: dict[str, str] = {"emergency": N_("紧急"), "supervised": N_("挂牌督办")}
#: A case's status as a search asks for it (the instance's status behind it: ``CASE_STATUS``).
CASE_STATUSES: dict[str, str] = {"open": N_("办理中"), "closed": N_("已办结")}
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
#: The longest text a filter takes (the longest column searched is 300 characters).
MAX_TEXT = 300
#: Where a page number stops being plausible (keeps OFFSET within what both databases take).
MAX_PAGE = 100_000
TEXT_FILTERS = ("q", "number", "employer", "uscc", "complainant", "district", "body", "status", "channel",
                "issue", "flag")


@dataclass(frozen=True)
class SearchQuery:
    kind: str = "complaints"
    q: str = ""
    number: str = ""
    employer: str = ""
    uscc: str = ""
    complainant: str = ""
    district: str = ""
    body: str = ""
    status: str = ""
    channel: str = ""
    issue: str = ""
    flag: str = ""
    received_from: date | None = None
    received_to: date | None = None
    page: int = 1
    page_size: int = PAGE_SIZE

    def params(self) -> dict[str, str]:
        """The query as the page's parameters again (for links: other pages, the other kind)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name in TEXT_FILTERS}
        out = {k: v for k, v in out.items() if v}
        out["kind"] = self.kind
        if self.received_from:
            out["from"] = self.received_from.isoformat()
        if self.received_to:
            out["to"] = self.received_to.isoformat()
        if self.page_size != PAGE_SIZE:
            out["page_size"] = str(self.page_size)
        return out

    @property
    def filtered(self) -> bool:
        return any(getattr(self, name) for name in TEXT_FILTERS) or bool(self.received_from or self.received_to)


def _day(raw: str, field: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        value = clock.parse_day_or_instant(raw)
    except ValueError:
        value = None
    if not isinstance(value, date) or isinstance(value, datetime):
        errors[field] = N_("日期格式应为 YYYY-MM-DD")
        return None
    return value


def _positive(raw: str, field: str, default: int, highest: int, errors: dict[str, str], message: str) -> int:
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= highest:
        errors[field] = message
        return default
    return value


def parse(session: Session, params: Mapping[str, str]) -> SearchQuery:
    """The search the page's parameters ask for; :class:`Invalid` (a message per field) for bad ones: a
    date that is no date, page 0, an unknown body, district, status, channel, flag or kind."""
    errors: dict[str, str] = {}
    text = {name: " ".join(str(params.get(name) or "").split())[:MAX_TEXT] for name in TEXT_FILTERS}
    kind = str(params.get("kind") or "complaints").strip()
    if kind not in KINDS:
        errors["kind"] = N_("查询对象应为投诉举报或案件")
        kind = "complaints"
    if text["body"] and text["body"] not in HANDLING_BODIES:
        errors["body"] = N_("未知的办理机构")
    if text["flag"] and text["flag"] not in FLAGS:
        errors["flag"] = N_("未知的标记")
    if text["channel"] and text["channel"] not in catalog_mod.CHANNELS:
        errors["channel"] = N_("未知的来源渠道")
    statuses = CASE_STATUSES if kind == "cases" else COMPLAINT_STATUS_LABELS
    if text["status"] and text["status"] not in statuses:
        errors["status"] = N_("未知的状态")
    if text["district"] and session.scalar(select(Bureau.id).where(Bureau.code == text["district"])) is None:
        errors["district"] = N_("未知的区县")
    received_from = _day(str(params.get("from") or "").strip(), "from", errors)
    received_to = _day(str(params.get("to") or "").strip(), "to", errors)
    if received_from and received_to and received_from > received_to:
        errors["to"] = N_("截止日期不能早于起始日期")
    page = _positive(str(params.get("page") or "").strip(), "page", 1, MAX_PAGE, errors, N_("页码应为正整数"))
    page_size = _positive(str(params.get("page_size") or "").strip(), "page_size", PAGE_SIZE, MAX_PAGE_SIZE, errors,
                          N_("每页条数应为1至100"))
    if errors:
        raise Invalid("查询条件有误：" + "；".join(errors.values()), "bad search parameters: " + ", ".join(errors),
                      english="Some search conditions are not valid", errors=errors)
    return SearchQuery(kind=kind, received_from=received_from, received_to=received_to, page=page,
                       page_size=page_size, **{name: text[name] for name in TEXT_FILTERS})


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column, text: str):
    return column.like(f"%{_like(text)}%", escape="\\")


def _prefix(column, text: str):
    return column.like(f"{_like(text)}%", escape="\\")


def _complainant(text: str):
    return and_(Complaint.complainant_anonymous.is_(False), _contains(Complaint.complainant_name, text))


def _supervised(case_id_column):
    return exists().where(SupervisedCase.case_id == case_id_column, SupervisedCase.status == "open")


def _common_conditions(query: SearchQuery, number_column, employer_column) -> list:
    """The conditions that read the registration's columns (a case's through its registration)."""
    conditions = []
    if query.q:
        conditions.append(or_(_prefix(number_column, query.q), _contains(employer_column, query.q),
                              Complaint.employer_uscc == query.q.upper(), _complainant(query.q)))
    if query.number:
        conditions.append(_prefix(number_column, query.number))
    if query.employer:
        conditions.append(_contains(employer_column, query.employer))
    if query.uscc:
        conditions.append(Complaint.employer_uscc == query.uscc.upper())
    if query.complainant:
        conditions.append(_complainant(query.complainant))
    if query.channel:
        conditions.append(Complaint.channel == query.channel)
    if query.received_from:
        conditions.append(Complaint.received_at >= clock.start_of_day(query.received_from))
    if query.received_to:
        conditions.append(Complaint.received_at <= clock.end_of_day(query.received_to))
    return conditions


def _complaint_conditions(session: Session, p: Principal, query: SearchQuery) -> list:
    conditions = [complaint_visibility(session, p),
                  *_common_conditions(query, Complaint.number, Complaint.employer_name)]
    if query.district:
        conditions.append(Complaint.employer_district == query.district)
    if query.body:
        conditions.append(exists().where(Case.complaint_id == Complaint.id, Case.body == query.body))
    if query.status:
        conditions.append(Complaint.status == query.status)
    if query.issue:
        conditions.append(exists().where(ComplaintClaim.complaint_id == Complaint.id, ComplaintClaim.code == query.issue))
    if query.flag == "emergency":
        conditions.append(or_(Complaint.urgent.is_(True),
                              exists().where(Case.complaint_id == Complaint.id, Case.urgent.is_(True))))
    if query.flag == "supervised":
        conditions.append(exists().where(Case.complaint_id == Complaint.id, _supervised(Case.id)))
    return conditions


def _case_conditions(query: SearchQuery) -> list:
    conditions = _common_conditions(query, Case.number, Case.employer_name)
    if query.district:
        conditions.append(Case.jurisdiction == query.district)
    if query.body:
        conditions.append(Case.body == query.body)
    if query.status:
        running = ProcessInstance.status == "running"
        conditions.append(running if query.status == "open" else ~running)
    if query.issue:
        conditions.append(exists().where(ComplaintClaim.case_id == Case.id, ComplaintClaim.code == query.issue))
    if query.flag == "emergency":
        conditions.append(Case.urgent.is_(True))
    if query.flag == "supervised":
        conditions.append(_supervised(Case.id))
    return conditions


def _complainant_words(c: Complaint) -> dict:
    if c.complainant_anonymous:
        return {"anonymous": True, "name": None, "id_number": None, "phone": None}
    return {"anonymous": False, "name": c.complainant_name,
            "id_number": masking.mask_id_number(c.complainant_id_number) if c.complainant_id_number else None,
            "phone": masking.mask_phone(c.complainant_phone) if c.complainant_phone else None}


def _page(total: int, query: SearchQuery) -> dict:
    return {"total": total, "page": query.page, "page_size": query.page_size,
            "pages": max(1, (total + query.page_size - 1) // query.page_size)}


def search(session: Session, p: Principal, query: SearchQuery) -> dict:
    """One page of the registrations or cases matching ``query`` that ``p`` may see, newest first (received,
    or opened for cases; the id breaks ties), with the total count: ``{items, total, page, pages, page_size}``."""
    names = dict(session.execute(select(Bureau.code, Bureau.name)).all())
    offset = (query.page - 1) * query.page_size
    if query.kind == "complaints":
        conditions = _complaint_conditions(session, p, query)
        total = session.scalar(select(func.count()).select_from(Complaint).where(*conditions))
        rows = session.scalars(select(Complaint).where(*conditions)
                               .order_by(Complaint.received_at.desc(), Complaint.id.desc())
                               .offset(offset).limit(query.page_size)).all()
        return {**_page(total, query), "items": [_complaint_row(c, names) for c in rows]}
    base = (case_query(p).join(Complaint, Complaint.id == Case.complaint_id).where(*_case_conditions(query)))
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    rows = session.execute(base.add_columns(Complaint, ProcessInstance.status)
                           .order_by(Case.opened_at.desc(), Case.id.desc())
                           .offset(offset).limit(query.page_size)).all()
    supervised = set(session.scalars(select(SupervisedCase.case_id).where(
        SupervisedCase.case_id.in_([case.id for case, _, _ in rows] or [-1]), SupervisedCase.status == "open")))
    return {**_page(total, query),
            "items": [_case_row(case, complaint, status, case.id in supervised, names) for case, complaint, status in rows]}


def _complaint_row(c: Complaint, names: dict[str, str]) -> dict:
    return {"id": c.id, "number": c.number, "kind": c.kind, "kind_label": catalog_mod.KINDS.get(c.kind, c.kind),
            "channel": c.channel, "channel_label": catalog_mod.CHANNELS.get(c.channel, c.channel),
            "employer_name": c.employer_name, "employer_uscc": c.employer_uscc,
            "district": c.employer_district, "district_name": names.get(c.employer_district, c.employer_district),
            "complainant": _complainant_words(c), "status": c.status,
            "status_label": COMPLAINT_STATUS_LABELS.get(c.status, c.status), "urgent": c.urgent,
            "received_at": c.received_at}


def _case_row(case: Case, c: Complaint, instance_status: str, supervised: bool, names: dict[str, str]) -> dict:
    status, status_label = CASE_STATUS.get(instance_status, ("open", "办理中"))
    return {"id": case.id, "number": case.number, "instance_id": case.instance_id, "body": case.body,
            "body_label": BODY_LABELS.get(case.body, case.body), "district": case.jurisdiction,
            "district_name": names.get(case.jurisdiction, case.jurisdiction), "employer_name": case.employer_name,
            "employer_uscc": c.employer_uscc, "complaint_id": c.id, "complaint_number": c.number,
            "complainant": _complainant_words(c), "status": status, "status_label": status_label,
            "urgent": case.urgent, "supervised": supervised, "opened_at": case.opened_at, "received_at": c.received_at}


def districts(session: Session) -> list[tuple[str, str]]:
    """The bureaus a search may name as district (code, name), in code order."""
    return [(code, name) for code, name in session.execute(select(Bureau.code, Bureau.name).order_by(Bureau.code))]
