"""Personal data (个人信息) of a case: the masked view of its values and the audited reveal.

* :func:`reveal` returns full values to a role entitled to them and appends a ``personal_data.reveal``
  audit event (field names and reason, never the values). Seeing the record itself is the caller's check.
* :func:`instance_values` collects the personal values held in a case's workflow data.

Masking itself (values, free text, structures, log lines) is ``platform/identifiers/masking.py``.

How a module with its own personal columns (e.g. intake registrations) uses this: serialise lists and
details with ``masking.mask_id_number(row.id_number)`` / ``masking.mask_phone(row.phone)``; offer a reveal
endpoint that checks the caller may see the registration, then calls
``reveal(session, principal, entity_type="complaint", entity_id=row.id, values={"id_number": ..., "phone": ...},
fields=[...], reason=..., instance_id=..., business_key=...)`` and returns its result.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from workflow_app.platform.identifiers.masking import collect, is_personal_path, masked
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import Forbidden, Invalid
from workflow_app.platform.runtime.instances import load_workflow

if TYPE_CHECKING:
    from workflow_app.platform.identity.directory import Principal

#: Roles that handle cases and may see full identity and phone numbers (each view is audited).
#: Leadership, process owners and administrators work on masked values.
REVEAL_ROLES = frozenset({"intake_clerk", "triage_reviewer", "inspector", "auditor", "arbitrator",
                          "liaison_officer", "division_head", "legal_reviewer"})


MAX_REASON = 200


def may_reveal(principal: "Principal") -> bool:
    return bool(principal.roles() & REVEAL_ROLES)


def reveal(session: Session, principal: "Principal", *, entity_type: str, entity_id: Any,
           values: Mapping[str, Any], fields: Iterable[str], reason: str,
           instance_id: int | None = None, business_key: str | None = None) -> dict[str, Any]:
    """Full values of ``fields`` (personal fields only) for an entitled principal; audited.

    The caller has already checked that ``principal`` may see the record at all (a 404 otherwise).
    """
    if not may_reveal(principal):
        raise Forbidden("您的角色无权查看完整的身份证号码和电话号码", "role not entitled to reveal personal data")
    reason = (reason or "").strip()
    if len(reason) < 2 or len(reason) > MAX_REASON:
        raise Invalid("请填写查看理由（2至200字）", "reason must be 2-200 characters",
                      errors={"reason": "请填写查看理由（2至200字）"})
    wanted = sorted(set(fields))
    if not wanted:
        wanted = sorted(f for f in values if is_personal_path(f))
    not_personal = [f for f in wanted if not is_personal_path(f)]
    if not_personal:
        raise Invalid("只能查看个人信息字段", f"not personal fields: {not_personal}",
                      errors={"fields": f"不是个人信息字段：{', '.join(not_personal)}"})
    out = {f: values.get(f) for f in wanted if f in values}
    audit.record(session, principal.username, "personal_data.reveal", entity_type, entity_id,
                 instance_id=instance_id, business_key=business_key,
                 after={"fields": sorted(out), "reason": reason})
    return out


def instance_values(session: Session, instance) -> dict[str, Any]:
    """Full personal values held in a case's workflow data (later tasks win)."""
    _, _, workflow = load_workflow(session, instance)
    out: dict[str, Any] = {}
    collect(getattr(workflow, "data", {}) or {}, out=out)
    for task in workflow.get_tasks():
        collect(task.data, out=out)
    return out


