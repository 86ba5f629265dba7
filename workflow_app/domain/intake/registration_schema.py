"""The registration (举报投诉登记) as one marshmallow schema: it validates the body and documents it.

Every rule of docs/intake.md ("Registration") is here, with its message on its field path in Chinese and
English, and all problems are reported at once (:func:`load` raises :class:`Invalid` with ``errors`` keyed
by path, ``claims[1].amount``, and the same keys in English as ``errors_en``). The HTTP API shows :class:`RegistrationSchema` as its request body.

What a registration is checked against is only known at request time (the deployed catalogue, the
bureaus and the window, the clock): :func:`load` passes it as :class:`.registration_facts.RegistrationFacts`
in marshmallow's load context. Each field checks its own value (the generic fields of
:mod:`.registration_fields`, those needing the facts in :mod:`.registration_facts`); the
``@validates_schema`` hooks here check what spans fields: a complaint (投诉) needs an identified
complainant and employer, an anonymous report (举报) carries no personal data, a violation is either
ongoing or has an end date.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, missing, post_load, pre_load, validates_schema
from marshmallow.experimental.context import Context

from workflow_app.domain.intake import catalog as catalog_mod
from workflow_app.domain.intake.registration_facts import (
    District, IdNumber, Phone, ReceivedAt, RegistrationFacts, Uscc, WindowCode, current_facts, is_wage_claim,
    issue_label, project_types, receipt_day, receipt_time)
from workflow_app.domain.intake.registration_fields import (
    Amount, Bilingual, Choice, Count, Flag, InputSchema, Items, Section, Text, bi, english_sentence, flat_errors)
from workflow_app.platform import clock
from workflow_app.platform.errors import Invalid

MAX_CLAIMS = 30
MAX_WORKERS = 1_000_000
MAX_AMOUNT = Decimal("10000000000")  # 100 亿元: beyond any real claim, inside Numeric(14, 2)
MAX_MONTHS = 600


# ------------------------------------------------------------------------------------------------
# What a registration becomes
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
        return self.received_at.astimezone(clock.CHINA_TZ).date()


PROCEEDINGS_LABEL = Bilingual("是否已在调解、仲裁或诉讼中", "proceedings under way (mediation, arbitration, litigation)")
L = Bilingual  # a field's label: Chinese, English (the wording of the page, docs/intake.md "Messages in two languages")


# ------------------------------------------------------------------------------------------------
# The schema
# ------------------------------------------------------------------------------------------------

PERSONAL = ("name", "id_number", "phone", "address")


class ComplainantSchema(InputSchema):
    """投诉举报人. Complaints (投诉) are about the complainant's own rights and need an identified person;
    reports (举报) may be anonymous, and then carry no personal data at all."""

    anonymous = Flag(L("是否匿名", "anonymous"), metadata={"description": "举报 only; then no personal data is taken"})
    name = Text(L("投诉举报人姓名", "complainant's name"), max_len=50, metadata={"description": "required unless anonymous"})
    id_number = IdNumber(L("身份证号码", "ID number"), max_len=40,
                         metadata={"description": "18-character resident ID (GB 11643); required for 投诉"})
    phone = Phone(L("联系电话", "phone number"), max_len=40,
                  metadata={"description": "mobile or landline with area code; required for 投诉"})
    address = Text(L("联系地址", "address"), max_len=300)

    @pre_load
    def _anonymous_has_no_personal_data(self, data, **kwargs):
        """An anonymous report's personal fields are not read (whatever was sent is refused below)."""
        if isinstance(data, Mapping) and data.get("anonymous") is True:
            return {k: v for k, v in data.items() if k not in PERSONAL}
        return data

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _identified_unless_anonymous(self, data, original, **kwargs):
        errors: dict[str, list[str]] = {}
        if original.get("anonymous") is True:
            for key in PERSONAL:
                if original.get(key) not in (None, ""):
                    errors[key] = [L("匿名举报不登记举报人的个人信息",
                                      "An anonymous report records no personal data of the reporter")]
        elif data.get("name") is None:
            errors["name"] = [L("请填写投诉举报人姓名", "Please fill in the complainant's name")]
        if errors:
            raise ValidationError(errors)


class ProjectSchema(InputSchema):
    name = Text(L("工程建设项目名称", "construction project name"), required=True, max_len=300)
    type = Choice(L("工程建设项目类型", "construction project type"), project_types, required=True,
                  metadata={"description": "a project type of regulators.dmn, or 'other'"})


class EmployerSchema(InputSchema):
    """被投诉举报用人单位, and where it uses the labour: that district's bodies handle the case."""

    name = Text(L("用人单位名称", "employer name"), required=True, max_len=300, min_len=2)
    uscc_confirmed = Flag(L("已核对营业执照", "licence checked"),
                          metadata={"description": "clerk checked the licence: skip the GB 11714 body check"})
    uscc = Uscc(L("统一社会信用代码", "unified social credit code"), max_len=40,
                metadata={"description": "统一社会信用代码 (GB 32100); required for 投诉"})
    address = Text(L("用人单位地址", "employer address"), max_len=300)
    district = District(L("用工所在区县", "district where the work is done"), required=True, max_len=64,
                        metadata={"description": "bureau code of the district where the employer uses the labour "
                                                 "(routing goes there)"})
    industry = Text(L("所属行业", "industry"), max_len=100)
    project = Section(ProjectSchema, label=L("工程建设项目", "construction project"), absent_is_none=True)


class ClaimInSchema(InputSchema):
    """One claim (诉求); its messages name its issue (“拖欠工资”的金额…)."""

    code = fields.String(required=True,
                         metadata={"description": "an issue code of issue_codes.dmn (GET /api/intake/catalog)"})
    amount = Amount(lambda data: bi("{issue}的金额", "amount claimed for {issue}", issue=issue_label(data)), maximum=MAX_AMOUNT, required_when=is_wage_claim,
                    metadata={"description": "yuan, >= 0; required for wage claims"})
    months_unpaid = Count(lambda data: bi("{issue}的欠薪月数", "months unpaid for {issue}", issue=issue_label(data)), maximum=MAX_MONTHS, required_when=is_wage_claim,
                          metadata={"description": "required for wage claims"})
    proceedings = Choice(PROCEEDINGS_LABEL, catalog_mod.PROCEEDINGS,
                         metadata={"description": "default: the registration's proceedings"})
    violation_ended_on = receipt_day(L("违法行为终了日期", "date the violation ended"),
                                      metadata={"description": "overrides the complaint's date for this claim"})


class Claims(Items):
    """1–30 claims, each code of the deployed catalogue and once: a claim whose code is not is not read further."""

    def load_item(self, raw: Mapping, state: dict) -> dict:
        code = raw.get("code")
        problem = None
        if not isinstance(code, str) or not code:
            problem = L("请选择诉求事项", "Please choose the issue of the claim")
        elif (info := current_facts().catalog.issue_codes.get(code)) is None:
            problem = bi("诉求代码“{code}”不在诉求目录中", 'the issue code "{code}" is not in the catalogue', code=code[:40])
        elif code in state.setdefault("seen", set()):
            problem = bi("诉求“{zh}”重复登记，请合并为一项", 'the claim "{en}" is registered twice; please make it one',
                         zh=info.label, en=info.label_en or info.code)
        if problem:
            raise ValidationError({**self.item_schema.unknown_key_errors(raw), "code": [problem]})
        state["seen"].add(code)
        return super().load_item(raw, state)


class WorkerSchema(InputSchema):
    name = Text(L("劳动者姓名", "worker name"), max_len=50)
    amount = Amount(L("欠薪金额", "amount of unpaid wages"), required=True, maximum=MAX_AMOUNT)
    months_unpaid = Count(L("欠薪月数", "months of unpaid wages"), required=True, maximum=MAX_MONTHS)


def _more_workers_than_affected(items: list, data: Mapping) -> str | None:
    try:
        field = RegistrationSchema._declared_fields["workers_affected"]
        workers = field.deserialize(data.get("workers_affected", missing), data=data)
    except ValidationError:
        return None  # reported on workers_affected
    if len(items) > workers:
        return L("欠薪劳动者明细的人数不能多于涉及劳动者人数",
                 "The worker list must not have more workers than the number of workers concerned")
    return None


class RegistrationSchema(InputSchema):
    """A registration at the window (docs/intake.md, "Registration")."""

    error_messages = {"type": L("登记内容应为对象", "The registration must be an object")}

    kind = Choice(L("登记类型（投诉或举报）", "kind of registration (complaint or report)"), catalog_mod.KINDS, required=True)
    channel = Choice(L("来源渠道", "channel"), catalog_mod.CHANNELS, required=True)
    source_department = Text(L("转来部门", "referring department"), max_len=200, metadata={"description": "required when channel is 'transfer'"})
    received_at = ReceivedAt(metadata={"description": "default: now; not in the future"})
    complainant = Section(ComplainantSchema, label=L("投诉举报人", "complainant"))
    employer = Section(EmployerSchema, label=L("被投诉举报用人单位", "employer complained about"), required=True)
    workers_affected = Count(L("涉及劳动者人数", "number of workers concerned"), required=True, minimum=1, maximum=MAX_WORKERS)
    relationship_disputed = Flag(L("劳动关系是否存在争议", "employment relationship disputed"))
    facts_clear = Flag(L("事实是否清楚", "facts clear"), default=True)
    evidence_sufficient = Flag(L("证据是否充分", "evidence sufficient"), default=True)
    dispute_major = Flag(L("双方争议是否重大", "major dispute"))
    media_exposure = Flag(L("是否媒体曝光", "media exposure"))
    mass_incident = Flag(L("是否群体性事件", "mass incident"))
    employer_absconded = Flag(L("用人单位是否逃匿或转移、隐匿财产", "employer absconded or hid assets"))
    proceedings = Choice(PROCEEDINGS_LABEL, catalog_mod.PROCEEDINGS, default="none",
                         metadata={"description": "default of every claim"})
    violation_ongoing = Flag(L("违法行为是否仍在持续", "violation ongoing"))
    violation_ended_on = receipt_day(L("违法行为终了日期", "date the violation ended"))
    employment_ongoing = Flag(L("劳动关系是否仍然存续", "employment ongoing"))
    employment_ended_on = receipt_day(L("劳动关系终止日期", "date the employment ended"))
    description = Text(L("诉求描述", "description of the claims"), max_len=5000)
    claims = Claims(ClaimInSchema, item_label=lambda i: bi("第{n}项诉求", "claim {n}", n=i + 1),
                    malformed=L("诉求格式不正确", "The claims are not in the right format"),
                    absent=L("请至少登记一项诉求", "Please register at least one claim"),
                    too_many=lambda items, data: bi("诉求最多{n}项", "at most {n} claims", n=MAX_CLAIMS)
                    if len(items) > MAX_CLAIMS else None)
    worker_breakdown = Items(WorkerSchema, item_label=lambda i: bi("第{n}名劳动者", "worker {n}", n=i + 1),
                             malformed=L("欠薪劳动者明细格式不正确", "The worker list is not in the right format"),
                             too_many=_more_workers_than_affected,
                             metadata={"description": "at most workers_affected entries"})
    window = WindowCode(metadata={"description": "the receiving window's bureau (default: the clerk's)"})

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _rules_across_fields(self, data, original, **kwargs):
        if not isinstance(original, Mapping):
            return
        errors: dict[str, Any] = {}

        def add(message: Bilingual, *path: str) -> None:
            target = errors
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target.setdefault(path[-1], []).append(message)

        kind = data.get("kind")
        if data.get("channel") == "transfer" and data.get("source_department") is None:
            add(L("请填写转来部门", "Please fill in the referring department"), "source_department")

        raw_person = original.get("complainant")
        person = raw_person if isinstance(raw_person, Mapping) else {}
        complainant = data.get("complainant") or {}
        if person.get("anonymous") is True:
            if kind == "complaint":
                add(L("投诉须实名登记投诉人身份；匿名反映只能登记为举报", "A complaint needs the complainant's identity; an anonymous matter can only be registered as a report"), "complainant", "anonymous")
        else:
            if not person and kind == "report":
                add(L("请填写举报人信息，或勾选匿名举报", "Please fill in the reporter, or tick anonymous report"), "complainant")
            if kind == "complaint":
                if complainant.get("id_number") is None:
                    add(L("请填写身份证号码", "Please fill in the ID number"), "complainant", "id_number")
                if complainant.get("phone") is None:
                    add(L("请填写联系电话", "Please fill in the phone number"), "complainant", "phone")
        if kind == "complaint" and (data.get("employer") or {}).get("uscc") is None:
            add(L("请填写统一社会信用代码", "Please fill in the unified social credit code"), "employer", "uscc")

        violation_ongoing, violation_ended_on = data.get("violation_ongoing", False), data.get("violation_ended_on")
        if violation_ongoing and violation_ended_on is not None:
            add(L("违法行为仍在持续的，不填写终了日期", "An ongoing violation has no end date"), "violation_ended_on")
        claims = data.get("claims") or []
        if claims and not violation_ongoing and violation_ended_on is None \
                and any(claim.get("violation_ended_on") is None for claim in claims):
            add(L("请填写违法行为终了日期，或选择违法行为仍在持续", "Please fill in the date the violation ended, or tick that it is ongoing"), "violation_ended_on")
        employment_ongoing, employment_ended_on = data.get("employment_ongoing", False), data.get("employment_ended_on")
        if employment_ongoing and employment_ended_on is not None:
            add(L("劳动关系仍然存续的，不填写终止日期", "An ongoing employment has no end date"), "employment_ended_on")
        elif kind == "complaint" and not employment_ongoing and employment_ended_on is None:
            add(L("请填写劳动关系终止日期，或选择劳动关系仍然存续", "Please fill in the date the employment ended, or tick that it is ongoing"), "employment_ended_on")
        if errors:
            raise ValidationError(errors)

    @post_load
    def _registration(self, data, **kwargs) -> Registration:
        facts = current_facts()
        person, employer = data["complainant"], data["employer"]
        project = employer.get("project") or {}
        proceedings = data["proceedings"]
        claims = [ClaimIn(code=c["code"], label=facts.catalog.issue_codes[c["code"]].label, amount=c["amount"],
                          months_unpaid=c["months_unpaid"], proceedings=c["proceedings"] or proceedings,
                          violation_ended_on=c["violation_ended_on"] or data["violation_ended_on"])
                  for c in data["claims"]]
        return Registration(
            kind=data["kind"], channel=data["channel"], source_department=data["source_department"],
            received_at=data["received_at"], anonymous=person["anonymous"], complainant_name=person.get("name"),
            complainant_id_number=person.get("id_number"), complainant_phone=person.get("phone"),
            complainant_address=person.get("address"), employer_name=employer["name"], employer_uscc=employer["uscc"],
            employer_address=employer["address"], employer_district=employer["district"],
            employer_industry=employer["industry"], project_name=project.get("name"), project_type=project.get("type"),
            workers_affected=data["workers_affected"],
            worker_breakdown=[{"name": w["name"], "amount": float(w["amount"]), "months_unpaid": w["months_unpaid"]}
                              for w in data["worker_breakdown"]],
            claims=claims, relationship_disputed=data["relationship_disputed"], facts_clear=data["facts_clear"],
            evidence_sufficient=data["evidence_sufficient"], dispute_major=data["dispute_major"],
            proceedings=proceedings, violation_ongoing=data["violation_ongoing"],
            violation_ended_on=data["violation_ended_on"], employment_ongoing=data["employment_ongoing"],
            employment_ended_on=data["employment_ended_on"], media_exposure=data["media_exposure"],
            mass_incident=data["mass_incident"], employer_absconded=data["employer_absconded"],
            description=data["description"])


def load(data: Any, *, catalog: catalog_mod.Catalog, bureaus: Mapping[str, Any], window: str,
         parents: Mapping[str, str | None], now: datetime | None = None) -> Registration:
    """A checked, normalised :class:`Registration`, or :class:`Invalid` with every problem per field path."""
    now = now or clock.now()
    try:
        received_at = receipt_time(data.get("received_at") if isinstance(data, Mapping) else None, now)
    except ValidationError:
        received_at = now  # reported by the received_at field; the other dates are checked against today
    facts = RegistrationFacts(catalog=catalog, bureaus=bureaus, window=window, parents=parents, now=now,
                              received_on=received_at.astimezone(clock.CHINA_TZ).date())
    schema = RegistrationSchema()
    with Context(facts):
        try:
            return schema.load(data)
        except ValidationError as exc:
            found = flat_errors(exc.messages, schema)
    # One run made both languages: Chinese for ``errors`` (the API's), the same keys in English for
    # ``errors_en`` (docs/intake.md "Messages in two languages").
    errors = {key: str(message) for key, message in found.items()}
    errors_en = {key: english_sentence(message) for key, message in found.items()}
    if not isinstance(data, Mapping):
        raise Invalid("登记内容格式不正确", "the registration must be a JSON object",
                      english="The registration must be a JSON object.", errors=errors, errors_en=errors_en)
    summary = "；".join(list(errors.values())[:5])
    more = f"等{len(errors)}处" if len(errors) > 5 else ""
    summary_en = "; ".join(list(errors_en.values())[:5])
    more_en = f" ({len(errors)} problems in all)" if len(errors) > 5 else ""
    raise Invalid(f"登记内容有误：{summary}{more}", f"registration does not validate: {summary_en}{more_en}",
                  english=f"The registration has problems: {summary_en}{more_en}", errors=errors, errors_en=errors_en)

