"""The audit trail, read-only."""
from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import and_, func, select

from ..models import AuditEvent, ProcessInstance
from ..services import access, identity
from ..services.errors import Forbidden
from ..services.runtime import in_transaction
from . import current_principal, db
from .schemas import AuditPageSchema, AuditQuerySchema, ProblemSchema

blp = Blueprint("audit", __name__, url_prefix="/api", description="Audit trail")


@blp.route("/audit")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
@blp.alt_response(403, schema=ProblemSchema)
def list_events(args):
    """Audit events. Administrators see everything; others only the events of one case they can see."""
    principal = current_principal()

    def run(s):
        cond = []
        for key in ("instance_id", "business_key", "entity_type", "entity_id"):
            if args.get(key) is not None:
                cond.append(getattr(AuditEvent, key) == args[key])
        if not principal.is_admin:
            if args.get("instance_id") is None:
                raise Forbidden("请指定要查看的案件", "non-administrators must filter by instance_id")
            instance = s.get(ProcessInstance, args["instance_id"])
            if instance is None or not access.can_see_instance(principal, instance, identity.parent_map(s)):
                raise Forbidden("无权查看该案件的记录", "instance not visible")
        where = and_(*cond) if cond else True
        total = s.scalar(select(func.count()).select_from(AuditEvent).where(where))
        rows = s.scalars(select(AuditEvent).where(where).order_by(AuditEvent.id)
                         .limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"]))
        return {"items": [{c: getattr(e, c) for c in ("id", "occurred_at", "actor", "action", "entity_type",
                                                       "entity_id", "instance_id", "business_key", "before",
                                                       "after", "detail")} for e in rows],
                "total": total}
    return in_transaction(db(), run)
