"""What a registration is checked against, and the fields of the registration schema that need it.

The issue codes and project types of the deployed decision tables, the bureaus of the city, the receiving
window and the clock are only known at request time. :func:`registration_schema.load` puts them in
marshmallow's load context as :class:`RegistrationFacts`; the fields here read them from there: the receipt
time (not in the future), identifiers (an ID's birth date not after today), the employer's district (a
bureau of the window's city), the label of a claim's issue and whether it is a wage claim.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from marshmallow import ValidationError, fields, missing
from marshmallow.experimental.context import Context

from workflow_app.domain.intake import catalog as catalog_mod
from workflow_app.domain.intake.registration_fields import Bilingual, Day, Text, bi
from workflow_app.platform import clock
from workflow_app.platform.identifiers.validation import IdentifierError, validate_id_number, validate_phone, validate_uscc

RECEIPT_HISTORY = timedelta(days=366 * 5)


@dataclass(frozen=True)
class RegistrationFacts:
    catalog: catalog_mod.Catalog
    bureaus: Mapping[str, Any]  # bureau code -> bureau
    window: str  # the receiving window's bureau
    parents: Mapping[str, str | None]  # bureau code -> parent code
    now: datetime
    received_on: date  # the receipt day (local), which dates of the registration may not be after

    @property
    def today(self) -> date:
        return self.now.astimezone(clock.CHINA_TZ).date()


def current_facts() -> RegistrationFacts:
    """The facts :func:`registration_schema.load` set; loading the schema without them is a LookupError."""
    return Context.get()


def receipt_time(value: Any, now: datetime) -> datetime:
    """When the channel received the registration: ISO 8601 (local time if no offset), default now,
    not in the future, not older than five years."""
    if value is None or value == "":
        return now
    if not isinstance(value, str):
        raise ValidationError(Bilingual("接收时间不是有效的日期时间", "The time of receipt is not a valid date and time"))
    try:
        parsed = clock.parse_day_or_instant(value)  # the one parser (docs/deadlines.md)
    except ValueError:
        raise ValidationError(Bilingual("接收时间不是有效的日期时间（如 2026-11-20T09:30:00+08:00）",
                                        "The time of receipt is not a valid date and time "
                                        "(e.g. 2026-11-20T09:30:00+08:00)")) from None
    if not isinstance(parsed, datetime):
        parsed = clock.start_of_day(parsed)  # a bare date: received at the start of that day
    if parsed > now:
        raise ValidationError(Bilingual("接收时间不能晚于当前时间", "The time of receipt must not be in the future"))
    if parsed < now - RECEIPT_HISTORY:
        raise ValidationError(Bilingual("接收时间早于五年前，请核对",
                                        "The time of receipt is more than five years ago; please check"))
    return parsed


class ReceivedAt(fields.DateTime):
    """See :func:`receipt_time`; not given: now."""

    def deserialize(self, value: Any, attr: str | None = None, data: Mapping | None = None, **kwargs) -> datetime:
        return receipt_time(None if value is missing else value, current_facts().now)


class WindowCode(fields.String):
    """The receiving window, which the service checks against the clerk's windows before loading."""

    def deserialize(self, value: Any, attr: str | None = None, data: Mapping | None = None, **kwargs) -> Any:
        return None if value is missing else value


def not_after_receipt() -> date:
    facts = current_facts()
    return min(facts.today, facts.received_on)


RECEIPT_DAY = Bilingual("接收日期", "date of receipt")


def receipt_day(label: Bilingual, **kwargs) -> Day:
    return Day(label, not_after=not_after_receipt, not_after_label=RECEIPT_DAY, **kwargs)


def _identifier(validator, value: str, **kwargs) -> str:
    try:
        return validator(value, **kwargs)
    except IdentifierError as exc:
        raise ValidationError(Bilingual(exc.message, exc.english)) from None


class IdNumber(Text):
    """Resident ID (GB 11643): check digit, a birth date not after today."""

    def refine(self, value: str, label: Bilingual, data: Mapping) -> str:
        return _identifier(validate_id_number, value, today=current_facts().today)


class Phone(Text):
    def refine(self, value: str, label: Bilingual, data: Mapping) -> str:
        return _identifier(validate_phone, value)


class Uscc(Text):
    """Unified social credit code (GB 32100); ``uscc_confirmed: true`` skips the GB 11714 body check."""

    def refine(self, value: str, label: Bilingual, data: Mapping) -> str:
        return _identifier(validate_uscc, value, check_org_code=data.get("uscc_confirmed") is not True)


def _root(code: str, parents: Mapping[str, str | None]) -> str:
    seen = set()
    while parents.get(code) and code not in seen:
        seen.add(code)
        code = parents[code]
    return code


class District(Text):
    """A bureau of the window's city: cases are opened there ("一点举报投诉、全市联动受理")."""

    def refine(self, value: str, label: Bilingual, data: Mapping) -> str:
        facts = current_facts()
        if value not in facts.bureaus:
            raise ValidationError(bi("用工所在区县“{code}”不存在", 'there is no district "{code}"', code=value))
        if _root(value, facts.parents) != _root(facts.window, facts.parents):
            raise ValidationError(Bilingual(
                "用工所在地不在本市，请告知投诉举报人向用工所在地人力资源社会保障部门反映",
                "The place of employment is not in this city; please refer the complainant to the human resources "
                "and social security department where the labour is used"))
        return value


def project_types() -> dict[str, str]:
    return {k: catalog_mod.PROJECT_TYPE_LABELS.get(k, k) for k in current_facts().catalog.project_types}


def issue_label(data: Mapping) -> Bilingual:
    """A claim's issue as messages name it: “拖欠工资” / "Unpaid wages" (its English catalogue name, if any)."""
    issue = current_facts().catalog.issue_codes[data["code"]]
    return Bilingual(f"“{issue.label}”", f'"{issue.label_en or issue.code}"')


def is_wage_claim(data: Mapping) -> bool:
    return current_facts().catalog.issue_codes[data["code"]].wage
