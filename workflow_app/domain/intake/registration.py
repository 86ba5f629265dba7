"""Registration (举报投诉登记) at the window: validation, numbering, duplicates, start of triage.

:func:`register` runs in the caller's transaction:

1. the caller must be an intake clerk (受理员); the window is the bureau of their intake group (any window
   may receive a complaint about any employer of the same city: "一点举报投诉、全市联动受理");
2. :func:`validate` checks every field of docs/intake.md and collects *all* problems, each with a Chinese
   message under its field path (``complainant.id_number``, ``claims[1].amount``); one problem means a
   422 and nothing is saved;
3. the complaint number is issued (:mod:`.numbering`) and the registration and its claims are stored;
4. claims already handled by an open case of the same complainant (ID number) against the same employer
   (credit code) are linked to that case instead of opened again (:func:`link_duplicates`);
5. the remaining claims go to the ``intake_triage`` process in the window's jurisdiction; its decision
   tables route them and the handlers in :mod:`.triage` open the cases — all before the commit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.persistence.models import Bureau, ProcessInstance
from workflow_app.domain.intake.models import Case, Complaint, ComplaintClaim, DuplicateLink
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.runtime import instances as runtime
from workflow_app.platform.errors import Forbidden, Invalid
from workflow_app.platform.identity.directory import Principal
from workflow_app.domain.intake import catalog as catalog_mod
from workflow_app.domain.intake import numbering
from workflow_app.domain.intake import triage  # noqa: F401 - registers the triage message handlers and diagram functions
from workflow_app.platform.identifiers.validation import IdentifierError, validate_id_number, validate_phone, validate_uscc

INTAKE_ROLE = "intake_clerk"
MAX_CLAIMS = 30
MAX_WORKERS = 1_000_000
MAX_AMOUNT = Decimal("10000000000")  # 100 亿元: beyond any real claim, inside Numeric(14, 2)
MAX_MONTHS = 600

_TOP_FIELDS = {
    "kind", "channel", "source_department", "received_at", "window", "complainant", "employer",
    "workers_affected", "worker_breakdown", "claims", "relationship_disputed", "facts_clear",
    "evidence_sufficient", "dispute_major", "proceedings", "violation_ongoing", "violation_ended_on",
    "employment_ongoing", "employment_ended_on", "media_exposure", "mass_incident", "employer_absconded",
    "description",
}
_COMPLAINANT_FIELDS = {"anonymous", "name", "id_number", "phone", "address"}
_EMPLOYER_FIELDS = {"name", "uscc", "uscc_confirmed", "address", "district", "industry", "project"}
_PROJECT_FIELDS = {"name", "type"}
_CLAIM_FIELDS = {"code", "amount", "months_unpaid", "proceedings", "violation_ended_on"}
_WORKER_FIELDS = {"name", "amount", "months_unpaid"}


# ------------------------------------------------------------------------------------------------
# Validated registration
# ------------------------------------------------------------------------------------------------

@dataclass
class ClaimIn:
    code: str
    label: str
    amount: Decimal | None
    months_unpaid: int | None
    proceedings: str
    violation_ended_on: date | None  # effective: the claim's own date, else the complaint's; None: ongoing


@dataclass
class Registration:
    kind: str
    channel: str
    source_department: str | None
    received_at: datetime
    anonymous: bool
    complainant_name: str | None
    complainant_id_number: str | None
    complainant_phone: str | None
    complainant_address: str | None
    employer_name: str
    employer_uscc: str | None
    employer_address: str | None
    employer_district: str
    employer_industry: str | None
    project_name: str | None
    project_type: str | None
    workers_affected: int
    worker_breakdown: list[dict]
    claims: list[ClaimIn]
    relationship_disputed: bool
    facts_clear: bool
    evidence_sufficient: bool
    dispute_major: bool
    proceedings: str
    violation_ongoing: bool
    violation_ended_on: date | None
    employment_ongoing: bool
    employment_ended_on: date | None
    media_exposure: bool
    mass_incident: bool
    employer_absconded: bool
    description: str | None

    @property
    def received_on(self) -> date:
        return self.received_at.astimezone(clock.LOCAL_TZ).date()


class _Checker:
    """Collects one Chinese message per field path."""

    def __init__(self):
        self.errors: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def obj(self, value: Any, path: str, label: str, allowed: set[str], required: bool = True) -> dict | None:
        if value is None:
            if required:
                self.add(path, f"请填写{label}")
            return None
        if not isinstance(value, dict):
            self.add(path, f"{label}格式不正确")
            return None
        for key in value:
            if key not in allowed:
                self.add(f"{path}.{key}" if path else str(key), f"不认识的字段“{key}”")
        return value

    def text(self, obj: dict, key: str, path: str, label: str, *, required: bool = False, max_len: int = 200,
             min_len: int = 1) -> str | None:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(path, f"请填写{label}")
            return None
        if not isinstance(value, str):
            self.add(path, f"{label}应为文本")
            return None
        value = value.strip()
        if len(value) < min_len:
            self.add(path, f"{label}至少{min_len}个字")
            return None
        if len(value) > max_len:
            self.add(path, f"{label}最多{max_len}个字")
            return None
        return value

    def boolean(self, obj: dict, key: str, path: str, label: str, default: bool | None = False) -> bool | None:
        value = obj.get(key)
        if value is None:
            if default is None:
                self.add(path, f"请选择{label}")
            return default
        if not isinstance(value, bool):
            self.add(path, f"{label}应为是/否")
            return default
        return value

    def choice(self, obj: dict, key: str, path: str, label: str, options: dict[str, str], *,
               required: bool = True, default: str | None = None) -> str | None:
        value = obj.get(key)
        if value is None or value == "":
            if required and default is None:
                self.add(path, f"请选择{label}")
            return default
        if not isinstance(value, str) or value not in options:
            self.add(path, f"{label}的取值不在允许范围内（可选：{'、'.join(options.values())}）")
            return default
        return value

    def integer(self, obj: dict, key: str, path: str, label: str, *, required: bool = False, minimum: int = 0,
                maximum: int = MAX_WORKERS) -> int | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.add(path, f"请填写{label}")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and (not math.isfinite(value) or not value.is_integer())):
            self.add(path, f"{label}应为整数")
            return None
        value = int(value)
        if value < minimum:
            self.add(path, f"{label}不能小于{minimum}")
            return None
        if value > maximum:
            self.add(path, f"{label}不能大于{maximum}")
            return None
        return value

    def amount(self, obj: dict, key: str, path: str, label: str, *, required: bool = False) -> Decimal | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.add(path, f"请填写{label}")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)):
            self.add(path, f"{label}应为数字")
            return None
        amount = Decimal(str(value))
        if amount < 0:
            self.add(path, f"{label}不能为负数")
            return None
        if amount > MAX_AMOUNT:
            self.add(path, f"{label}超出合理范围")
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.add(path, f"{label}最多保留两位小数")
            return None
        return amount

    def day(self, obj: dict, key: str, path: str, label: str, *, not_after: date, not_after_label: str,
            required: bool = False) -> date | None:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                self.add(path, f"请填写{label}")
            return None
        if not isinstance(value, str) or len(value) != 10:
            self.add(path, f"{label}不是有效的日期（YYYY-MM-DD）")
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            self.add(path, f"{label}不是有效的日期（YYYY-MM-DD）")
            return None
        if parsed > not_after:
            self.add(path, f"{label}不能晚于{not_after_label}")
            return None
        if parsed.year < 1950:
            self.add(path, f"{label}早于1950年，请核对")
            return None
        return parsed


def _parse_received_at(c: _Checker, data: dict, now: datetime) -> datetime:
    value = data.get("received_at")
    if value is None or value == "":
        return now
    if not isinstance(value, str):
        c.add("received_at", "接收时间不是有效的日期时间")
        return now
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        c.add("received_at", "接收时间不是有效的日期时间（如 2026-11-20T09:30:00+08:00）")
        return now
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clock.LOCAL_TZ)
    if parsed > now:
        c.add("received_at", "接收时间不能晚于当前时间")
        return now
    if parsed < now - timedelta(days=366 * 5):
        c.add("received_at", "接收时间早于五年前，请核对")
        return now
    return parsed


def _identifier(c: _Checker, path: str, func, value: str, **kwargs) -> str | None:
    try:
        return func(value, **kwargs)
    except IdentifierError as exc:
        c.add(path, exc.message)
        return None


def validate(data: Any, *, catalog: catalog_mod.Catalog, bureaus: dict[str, Bureau], window: str,
             parents: dict[str, str | None], now: datetime | None = None) -> Registration:
    """A checked, normalised :class:`Registration`, or :class:`Invalid` with every problem per field."""
    now = now or clock.now()
    today = now.astimezone(clock.LOCAL_TZ).date()
    c = _Checker()
    if not isinstance(data, dict):
        raise Invalid("登记内容格式不正确", "the registration must be a JSON object", errors={"_": "登记内容应为对象"})
    c.obj(data, "", "登记内容", _TOP_FIELDS)

    kind = c.choice(data, "kind", "kind", "登记类型（投诉或举报）", catalog_mod.KINDS)
    channel = c.choice(data, "channel", "channel", "来源渠道", catalog_mod.CHANNELS)
    source_department = c.text(data, "source_department", "source_department", "转来部门", max_len=200,
                               required=channel == "transfer")
    received_at = _parse_received_at(c, data, now)
    received_on = received_at.astimezone(clock.LOCAL_TZ).date()
    before_receipt = dict(not_after=min(today, received_on), not_after_label="接收日期")

    # Complainant: complaints (投诉) are about the complainant's own rights and need an identified person;
    # reports (举报) may be anonymous, and then carry no personal data at all.
    person = c.obj(data.get("complainant"), "complainant", "投诉举报人", _COMPLAINANT_FIELDS, required=False) or {}
    anonymous = bool(c.boolean(person, "anonymous", "complainant.anonymous", "是否匿名", default=False))
    name = id_number = phone = address = None
    if anonymous:
        if kind == "complaint":
            c.add("complainant.anonymous", "投诉须实名登记投诉人身份；匿名反映只能登记为举报")
        for key in ("name", "id_number", "phone", "address"):
            if person.get(key) not in (None, ""):
                c.add(f"complainant.{key}", "匿名举报不登记举报人的个人信息")
    else:
        if not person and kind == "report":
            c.add("complainant", "请填写举报人信息，或勾选匿名举报")
        name = c.text(person, "name", "complainant.name", "投诉举报人姓名", required=True, max_len=50)
        raw_id = c.text(person, "id_number", "complainant.id_number", "身份证号码", required=kind == "complaint", max_len=40)
        if raw_id:
            id_number = _identifier(c, "complainant.id_number", validate_id_number, raw_id, today=today)
        raw_phone = c.text(person, "phone", "complainant.phone", "联系电话", required=kind == "complaint", max_len=40)
        if raw_phone:
            phone = _identifier(c, "complainant.phone", validate_phone, raw_phone)
        address = c.text(person, "address", "complainant.address", "联系地址", max_len=300)

    # Employer (用人单位) and where it uses the labour: that district's bodies handle the case.
    employer = c.obj(data.get("employer"), "employer", "被投诉举报用人单位", _EMPLOYER_FIELDS) or {}
    employer_name = c.text(employer, "name", "employer.name", "用人单位名称", required=True, max_len=300, min_len=2)
    uscc_confirmed = bool(c.boolean(employer, "uscc_confirmed", "employer.uscc_confirmed", "已核对营业执照", default=False))
    raw_uscc = c.text(employer, "uscc", "employer.uscc", "统一社会信用代码", required=kind == "complaint", max_len=40)
    uscc = _identifier(c, "employer.uscc", validate_uscc, raw_uscc, check_org_code=not uscc_confirmed) if raw_uscc else None
    employer_address = c.text(employer, "address", "employer.address", "用人单位地址", max_len=300)
    district = c.text(employer, "district", "employer.district", "用工所在区县", required=True, max_len=64)
    if district is not None:
        if district not in bureaus:
            c.add("employer.district", f"用工所在区县“{district}”不存在")
        elif _root(district, parents) != _root(window, parents):
            c.add("employer.district", "用工所在地不在本市，请告知投诉举报人向用工所在地人力资源社会保障部门反映")
    industry = c.text(employer, "industry", "employer.industry", "所属行业", max_len=100)
    project_name = project_type = None
    project = c.obj(employer.get("project"), "employer.project", "工程建设项目", _PROJECT_FIELDS, required=False)
    if project:
        project_name = c.text(project, "name", "employer.project.name", "工程建设项目名称", required=True, max_len=300)
        types = {k: catalog_mod.PROJECT_TYPE_LABELS.get(k, k) for k in catalog.project_types}
        project_type = c.choice(project, "type", "employer.project.type", "工程建设项目类型", types)

    workers = c.integer(data, "workers_affected", "workers_affected", "涉及劳动者人数", required=True, minimum=1)

    # Complaint-level facts.
    relationship_disputed = c.boolean(data, "relationship_disputed", "relationship_disputed", "劳动关系是否存在争议")
    facts_clear = c.boolean(data, "facts_clear", "facts_clear", "事实是否清楚", default=True)
    evidence_sufficient = c.boolean(data, "evidence_sufficient", "evidence_sufficient", "证据是否充分", default=True)
    dispute_major = c.boolean(data, "dispute_major", "dispute_major", "双方争议是否重大")
    media_exposure = c.boolean(data, "media_exposure", "media_exposure", "是否媒体曝光")
    mass_incident = c.boolean(data, "mass_incident", "mass_incident", "是否群体性事件")
    absconded = c.boolean(data, "employer_absconded", "employer_absconded", "用人单位是否逃匿或转移、隐匿财产")
    proceedings = c.choice(data, "proceedings", "proceedings", "是否已在调解、仲裁或诉讼中", catalog_mod.PROCEEDINGS,
                           default="none")
    violation_ongoing = bool(c.boolean(data, "violation_ongoing", "violation_ongoing", "违法行为是否仍在持续"))
    violation_ended_on = c.day(data, "violation_ended_on", "violation_ended_on", "违法行为终了日期", **before_receipt)
    if violation_ongoing and violation_ended_on is not None:
        c.add("violation_ended_on", "违法行为仍在持续的，不填写终了日期")
    employment_ongoing = bool(c.boolean(data, "employment_ongoing", "employment_ongoing", "劳动关系是否仍然存续"))
    employment_ended_on = c.day(data, "employment_ended_on", "employment_ended_on", "劳动关系终止日期", **before_receipt)
    if employment_ongoing and employment_ended_on is not None:
        c.add("employment_ended_on", "劳动关系仍然存续的，不填写终止日期")
    elif kind == "complaint" and not employment_ongoing and employment_ended_on is None \
            and "employment_ended_on" not in c.errors:
        c.add("employment_ended_on", "请填写劳动关系终止日期，或选择劳动关系仍然存续")
    description = c.text(data, "description", "description", "诉求描述", max_len=5000)

    # Claims (诉求): codes from the deployed catalogue, amounts >= 0, dates not in the future.
    claims: list[ClaimIn] = []
    raw_claims = data.get("claims")
    if not isinstance(raw_claims, list) or not raw_claims:
        c.add("claims", "请至少登记一项诉求" if raw_claims in (None, []) else "诉求格式不正确")
        raw_claims = []
    elif len(raw_claims) > MAX_CLAIMS:
        c.add("claims", f"诉求最多{MAX_CLAIMS}项")
        raw_claims = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_claims):
        path = f"claims[{index}]"
        item = c.obj(raw, path, f"第{index + 1}项诉求", _CLAIM_FIELDS)
        if item is None:
            continue
        code = item.get("code")
        if not isinstance(code, str) or not code:
            c.add(f"{path}.code", "请选择诉求事项")
            continue
        info = catalog.issue_codes.get(code)
        if info is None:
            c.add(f"{path}.code", f"诉求代码“{code[:40]}”不在诉求目录中")
            continue
        if code in seen:
            c.add(f"{path}.code", f"诉求“{info.label}”重复登记，请合并为一项")
            continue
        seen.add(code)
        amount = c.amount(item, "amount", f"{path}.amount", f"“{info.label}”的金额", required=info.wage)
        months = c.integer(item, "months_unpaid", f"{path}.months_unpaid", f"“{info.label}”的欠薪月数",
                           required=info.wage, maximum=MAX_MONTHS)
        claim_proceedings = c.choice(item, "proceedings", f"{path}.proceedings", "是否已在调解、仲裁或诉讼中",
                                     catalog_mod.PROCEEDINGS, default=proceedings or "none")
        own_end = c.day(item, "violation_ended_on", f"{path}.violation_ended_on", "违法行为终了日期", **before_receipt)
        claims.append(ClaimIn(code, info.label, amount, months, claim_proceedings or "none",
                              own_end if own_end is not None else violation_ended_on))
    if claims and not violation_ongoing and violation_ended_on is None and "violation_ended_on" not in c.errors \
            and any(cl.violation_ended_on is None for cl in claims):
        c.add("violation_ended_on", "请填写违法行为终了日期，或选择违法行为仍在持续")

    breakdown: list[dict] = []
    raw_breakdown = data.get("worker_breakdown")
    if raw_breakdown is not None:
        if not isinstance(raw_breakdown, list):
            c.add("worker_breakdown", "欠薪劳动者明细格式不正确")
        elif workers is not None and len(raw_breakdown) > workers:
            c.add("worker_breakdown", "欠薪劳动者明细的人数不能多于涉及劳动者人数")
        else:
            for index, raw in enumerate(raw_breakdown):
                path = f"worker_breakdown[{index}]"
                item = c.obj(raw, path, f"第{index + 1}名劳动者", _WORKER_FIELDS)
                if item is None:
                    continue
                worker_name = c.text(item, "name", f"{path}.name", "劳动者姓名", max_len=50)
                owed = c.amount(item, "amount", f"{path}.amount", "欠薪金额", required=True)
                months = c.integer(item, "months_unpaid", f"{path}.months_unpaid", "欠薪月数", required=True,
                                   maximum=MAX_MONTHS)
                if owed is not None and months is not None:
                    breakdown.append({"name": worker_name, "amount": float(owed), "months_unpaid": months})

    if c.errors:
        summary = "；".join(f"{v}" for v in list(c.errors.values())[:5])
        more = f"等{len(c.errors)}处" if len(c.errors) > 5 else ""
        raise Invalid(f"登记内容有误：{summary}{more}", "registration does not validate", errors=c.errors)
    return Registration(
        kind=kind, channel=channel, source_department=source_department, received_at=received_at,
        anonymous=anonymous, complainant_name=name, complainant_id_number=id_number, complainant_phone=phone,
        complainant_address=address, employer_name=employer_name, employer_uscc=uscc, employer_address=employer_address,
        employer_district=district, employer_industry=industry, project_name=project_name, project_type=project_type,
        workers_affected=workers, worker_breakdown=breakdown, claims=claims,
        relationship_disputed=bool(relationship_disputed), facts_clear=bool(facts_clear),
        evidence_sufficient=bool(evidence_sufficient), dispute_major=bool(dispute_major), proceedings=proceedings,
        violation_ongoing=violation_ongoing, violation_ended_on=violation_ended_on,
        employment_ongoing=employment_ongoing, employment_ended_on=employment_ended_on,
        media_exposure=bool(media_exposure), mass_incident=bool(mass_incident), employer_absconded=bool(absconded),
        description=description)


def _root(code: str, parents: dict[str, str | None]) -> str:
    seen = set()
    while parents.get(code) and code not in seen:
        seen.add(code)
        code = parents[code]
    return code


def region_codes(code: str, parents: dict[str, str | None]) -> list[str]:
    """The bureau and its ancestors (district, city, province...), nearest first."""
    out = []
    while code and code not in out:
        out.append(code)
        code = parents.get(code)
    return out


# ------------------------------------------------------------------------------------------------
# Registering
# ------------------------------------------------------------------------------------------------

def _window(principal: Principal, requested: Any) -> str:
    windows = {key.split("/")[0] for key in principal.groups if key.endswith(f"/intake/{INTAKE_ROLE}")}
    if not windows:
        raise Forbidden("只有综合窗口受理人员可以登记举报投诉", "registration requires the intake_clerk role")
    if requested not in (None, ""):
        if not isinstance(requested, str) or requested not in windows:
            raise Invalid("您不在该受理窗口", f"not an intake clerk of window {requested!r}",
                          errors={"window": "您不在该受理窗口"})
        return requested
    if len(windows) > 1:
        raise Invalid("请选择受理窗口", "the clerk works at several windows: name one",
                      errors={"window": f"请选择受理窗口（{'、'.join(sorted(windows))}）"})
    return next(iter(windows))


def register(session: Session, principal: Principal, data: Any) -> Complaint:
    window = _window(principal, data.get("window") if isinstance(data, dict) else None)
    catalog = catalog_mod.load(session)
    bureaus = {b.code: b for b in session.scalars(select(Bureau))}
    parents = identity.parent_map(session)
    now = clock.now()
    reg = validate(data, catalog=catalog, bureaus=bureaus, window=window, parents=parents, now=now)

    number = numbering.allocate(session, "complaint", window, now.astimezone(clock.LOCAL_TZ).year)
    complaint = Complaint(
        number=number, kind=reg.kind, channel=reg.channel, source_department=reg.source_department,
        received_at=reg.received_at, registered_at=now, registered_by=principal.username, window_bureau=window,
        complainant_anonymous=reg.anonymous, complainant_name=reg.complainant_name,
        complainant_id_number=reg.complainant_id_number, complainant_phone=reg.complainant_phone,
        complainant_address=reg.complainant_address, employer_name=reg.employer_name, employer_uscc=reg.employer_uscc,
        employer_address=reg.employer_address, employer_district=reg.employer_district,
        employer_industry=reg.employer_industry, project_name=reg.project_name, project_type=reg.project_type,
        workers_affected=reg.workers_affected, worker_breakdown=reg.worker_breakdown or None,
        relationship_disputed=reg.relationship_disputed, facts_clear=reg.facts_clear,
        evidence_sufficient=reg.evidence_sufficient, dispute_major=reg.dispute_major, proceedings=reg.proceedings,
        violation_ongoing=reg.violation_ongoing, violation_ended_on=reg.violation_ended_on,
        employment_ongoing=reg.employment_ongoing, employment_ended_on=reg.employment_ended_on,
        media_exposure=reg.media_exposure, mass_incident=reg.mass_incident, employer_absconded=reg.employer_absconded,
        description=reg.description, status="registered", urgent=False, criminal_watch=False, notify_regulator=False)
    session.add(complaint)
    session.flush()
    rows = []
    for position, claim in enumerate(reg.claims):
        row = ComplaintClaim(complaint_id=complaint.id, position=position, code=claim.code, label=claim.label,
                             amount=claim.amount, months_unpaid=claim.months_unpaid, proceedings=claim.proceedings,
                             violation_ended_on=claim.violation_ended_on,
                             group=catalog.issue_codes[claim.code].group)
        session.add(row)
        rows.append(row)
    session.flush()
    audit.record(session, principal.username, "complaint.register", "complaint", complaint.id, business_key=number,
                 after={"kind": reg.kind, "channel": reg.channel, "window": window,
                        "employer": reg.employer_name, "employer_uscc": reg.employer_uscc,
                        "district": reg.employer_district, "claims": [c.code for c in reg.claims],
                        "anonymous": reg.anonymous, "complainant_id_number": reg.complainant_id_number})

    remaining = link_duplicates(session, principal, complaint, rows)
    if not remaining:
        complaint.status = "duplicate"
        return complaint
    variables = triage_variables(complaint, remaining, reg, parents)
    summary = f"{reg.employer_name}：{'、'.join(r.label for r in remaining)}（{reg.workers_affected}人）"[:500]
    instance = runtime.start_instance(session, principal, catalog_mod.TRIAGE_PROCESS, number, window, variables,
                                      reg.employer_name, summary)
    complaint.triage_instance_id = instance.id
    return complaint


def triage_variables(complaint: Complaint, claims: list[ComplaintClaim], reg: Registration,
                     parents: dict[str, str | None]) -> dict:
    """What the triage diagram and its decision tables read (see bpmn/intake_triage.bpmn)."""
    received_local = reg.received_at.astimezone(clock.LOCAL_TZ)
    return {
        "complaint_id": complaint.id, "complaint_number": complaint.number, "kind": reg.kind, "channel": reg.channel,
        "received_at": received_local.isoformat(), "received_on": received_local.date().isoformat(),
        "claims": [{"code": c.code, "amount": float(c.amount) if c.amount is not None else None,
                    "months_unpaid": c.months_unpaid, "proceedings": c.proceedings,
                    "violation_ended_on": c.violation_ended_on.isoformat() if c.violation_ended_on else None}
                   for c in claims],
        "workers_affected": reg.workers_affected,
        "worker_breakdown": [{"amount": w["amount"], "months_unpaid": w["months_unpaid"]} for w in reg.worker_breakdown],
        "relationship_disputed": reg.relationship_disputed, "dispute_major": reg.dispute_major,
        "facts_clear": reg.facts_clear, "evidence_sufficient": reg.evidence_sufficient,
        "media_exposure": reg.media_exposure, "mass_incident": reg.mass_incident,
        "employer_absconded": reg.employer_absconded,
        "employer_name": reg.employer_name, "employer_district": reg.employer_district,
        "employer_project_type": reg.project_type,
        "region_codes": region_codes(reg.employer_district, parents),
    }


# ------------------------------------------------------------------------------------------------
# Duplicates
# ------------------------------------------------------------------------------------------------

def open_cases_for(session: Session, complainant_id_number: str, employer_uscc: str, codes: list[str],
                   exclude_complaint: int | None = None) -> list[tuple[Case, str]]:
    """(open case, claim code) pairs of earlier registrations by the same complainant against the same
    employer, for the given codes. A case is open while its process instance runs."""
    query = (select(Case, ComplaintClaim.code)
             .join(ComplaintClaim, ComplaintClaim.case_id == Case.id)
             .join(Complaint, Complaint.id == Case.complaint_id)
             .join(ProcessInstance, ProcessInstance.id == Case.instance_id)
             .where(Complaint.complainant_id_number == complainant_id_number,
                    Complaint.employer_uscc == employer_uscc, ProcessInstance.status == "running",
                    ComplaintClaim.code.in_(sorted(set(codes))))
             .order_by(Case.opened_at, Case.id))
    if exclude_complaint is not None:
        query = query.where(Complaint.id != exclude_complaint)
    return [(case, code) for case, code in session.execute(query)]


def link_duplicates(session: Session, principal: Principal, complaint: Complaint,
                    claims: list[ComplaintClaim]) -> list[ComplaintClaim]:
    """Link claims already handled by an open case; return the claims still to be triaged."""
    if not complaint.complainant_id_number or not complaint.employer_uscc:
        return claims
    found = open_cases_for(session, complaint.complainant_id_number, complaint.employer_uscc,
                           [c.code for c in claims], exclude_complaint=complaint.id)
    case_of: dict[str, Case] = {}
    for case, code in found:
        case_of.setdefault(code, case)
    if not case_of:
        return claims
    by_case: dict[int, list[str]] = {}
    cases = {case.id: case for case in case_of.values()}
    for claim in claims:
        case = case_of.get(claim.code)
        if case is not None:
            claim.route, claim.rule, claim.duplicate_of_case_id = "duplicate", None, case.id
            by_case.setdefault(case.id, []).append(claim.code)
    now = clock.now()
    for case_id, codes in by_case.items():
        case = cases[case_id]
        session.add(DuplicateLink(complaint_id=complaint.id, case_id=case_id, original_complaint_id=case.complaint_id,
                                  claim_codes=codes, created_at=now))
        audit.record(session, principal.username, "complaint.duplicate_link", "complaint", complaint.id,
                     business_key=complaint.number,
                     after={"case": case.number, "claims": codes, "original_complaint_id": case.complaint_id})
        audit.record(session, principal.username, "case.duplicate_registration", "case", case.id,
                     instance_id=case.instance_id, business_key=case.number,
                     after={"complaint": complaint.number, "claims": codes})
    session.flush()
    return [c for c in claims if c.route != "duplicate"]
