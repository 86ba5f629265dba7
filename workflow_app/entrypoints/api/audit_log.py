"""The audit trail, read-only: events (personal data masked) and verification of the hash chains."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import and_, func, select

from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import AuditPageSchema, AuditQuerySchema, ProblemSchema
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import Forbidden, NotFound
from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity import access
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import AuditEvent

blp = Blueprint("audit", __name__, url_prefix="/api", description="Audit trail")

_COLUMNS = ("id", "occurred_at", "actor", "action", "entity_type", "entity_id", "instance_id", "business_key",
            "before", "after", "detail")


def _hidden():
    return NotFound("案件不存在或无权查看", "case not found")


def event_dict(e: AuditEvent) -> dict:
    out = {c: getattr(e, c) for c in _COLUMNS}
    # Stored masked already; masking again covers events written before masking existed.
    for key in ("before", "after"):
        out[key] = masking.mask_data(out[key])
    out["detail"] = masking.mask_text(out["detail"])
    return out


@blp.route("/audit")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
def list_events(args):
    """Audit events, with the visibility of cases (docs/security.md §2).

    An event of a case is listed exactly when the caller sees the case; events of no case (logins, users,
    tokens, deployments) only to administrators — all of them to the administrator of the whole
    installation, to another administrator those about the users they manage. Non-administrators must
    filter by one case (``instance_id`` or ``business_key``); a case the caller does not see is a 404.
    """
    principal = current_principal()

    def run(s):
        cond = []
        for key in ("instance_id", "business_key", "entity_type", "entity_id"):
            if args.get(key) is not None:
                cond.append(getattr(AuditEvent, key) == args[key])
        if not principal.is_admin and args.get("instance_id") is None and args.get("business_key") is None:
            raise Forbidden("请指定要查看的案件", "non-administrators must filter by instance_id or business_key")
        if args.get("instance_id") is not None:
            access.visible_instance(s, principal, args["instance_id"])
        if args.get("business_key") is not None and not access.can_see_case(s, principal, args["business_key"]):
            raise _hidden()
        where = and_(access.audit_visibility(s, principal), *cond)
        total = s.scalar(select(func.count()).select_from(AuditEvent).where(where))
        rows = s.scalars(select(AuditEvent).where(where).order_by(AuditEvent.id)
                         .limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"]))
        return {"items": [event_dict(e) for e in rows], "total": total}
    return in_transaction(db(), run)


class VerifyQuerySchema(Schema):
    business_key = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    instance_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    chain = fields.String(load_default=None, validate=validate.Length(min=1, max=120),
                          metadata={"description": "a chain key (administrators): global, case:<key>, instance:<id>"})


class ChainReportSchema(Schema):
    chain_key = fields.String()
    ok = fields.Boolean()
    events_checked = fields.Integer()
    first_tampered_event_id = fields.Integer(allow_none=True)
    first_tampered_seq = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    head_hash = fields.String(allow_none=True)


class VerifyResultSchema(Schema):
    ok = fields.Boolean()
    chains = fields.List(fields.Nested(ChainReportSchema))


@blp.route("/audit/verify")
@blp.arguments(VerifyQuerySchema, location="query")
@blp.response(200, VerifyResultSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
def verify(args):
    """Recompute a case's hash chain and name the first tampered event (``ok`` false).

    Anyone who can see the case may verify its chain (a hidden case is a 404, for administrators too);
    a chain by key, or all chains when no filter is given, only the administrator of the whole
    installation (chain keys name every case).
    """
    principal = current_principal()

    def run(s):
        if args.get("instance_id") is not None:
            instance = access.visible_instance(s, principal, args["instance_id"])
            keys = [audit.chain_key_for(instance.business_key, instance.id)]
        elif args.get("business_key") is not None:
            if not access.can_see_case(s, principal, args["business_key"]):
                raise _hidden()
            keys = [audit.chain_key_for(args["business_key"], None)]
        else:
            _require_installation_admin(s, principal)
            if args.get("chain") is not None:
                keys = [args["chain"]]
            else:
                reports = audit.verify_all(s)
                return {"ok": all(r.ok for r in reports), "chains": [r.as_dict() for r in reports]}
        reports = [audit.verify_chain(s, key) for key in keys]
        return {"ok": all(r.ok for r in reports), "chains": [r.as_dict() for r in reports]}
    return in_transaction(db(), run)


def _require_installation_admin(s, principal) -> None:
    access.require_admin(principal)
    if not access.administers_installation(s, principal):
        raise Forbidden("只有全系统管理员可以校验全部审计链；请指定本辖区的案件",
                        "verifying a chain by key or all chains requires administering the whole installation")
