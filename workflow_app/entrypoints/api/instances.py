"""Process instances (cases): start, list, inspect."""
from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import and_, func, select

from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import (
    InstanceDetailSchema,
    InstancePageSchema,
    InstanceQuerySchema,
    ProblemSchema,
    StartInstanceSchema,
)
from workflow_app.entrypoints.api.tasks import task_dict
from workflow_app.platform.deadlines import statutory_clocks as clocks
from workflow_app.platform.errors import NotFound
from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity import access
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import (
    MessageSubscription,
    ProcessInstance,
    ProcessVersion,
    TaskRow,
    TimerRow,
)
from workflow_app.platform.runtime import instances as runtime

blp = Blueprint("instances", __name__, url_prefix="/api", description="Process instances")


def instance_dict(session, instance: ProcessInstance, detail=False) -> dict:
    version = session.get(ProcessVersion, instance.process_version_id)
    out = {c: getattr(instance, c) for c in ("id", "process_key", "business_key", "jurisdiction", "status",
                                             "employer_name", "summary", "started_at", "started_by",
                                             "updated_at", "completed_at", "lock_version")}
    out["process_version"] = version.version
    out["summary"] = masking.mask_text(out["summary"])
    if detail:
        out["tasks"] = [task_dict(t) for t in session.scalars(
            select(TaskRow).where(TaskRow.instance_id == instance.id).order_by(TaskRow.step, TaskRow.created_at, TaskRow.id))]
        out["timers"] = [{"task_id": t.task_id, "name": t.name, "due_at": t.due_at,
                          "due_provisional": bool(t.due_provisional), "status": t.status}
                         for t in session.scalars(select(TimerRow).where(TimerRow.instance_id == instance.id))]
        out["clocks"] = clocks.for_instance(session, instance.id)
        out["subscriptions"] = [{"task_id": m.task_id, "message_name": m.message_name,
                                 "correlation_key": m.correlation_key}
                                for m in session.scalars(select(MessageSubscription)
                                                         .where(MessageSubscription.instance_id == instance.id))]
    return out


@blp.route("/instances", methods=["POST"])
@blp.arguments(StartInstanceSchema)
@blp.response(201, InstanceDetailSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def start(args):
    """Start the latest version of a process for a case (business key) in a jurisdiction."""
    principal = current_principal()

    def run(s):
        instance = runtime.start_instance(s, principal, **args)
        return instance_dict(s, instance, detail=True)
    return in_transaction(db(), run)


@blp.route("/instances")
@blp.arguments(InstanceQuerySchema, location="query")
@blp.response(200, InstancePageSchema)
def list_instances(args):
    """Instances visible to the caller, newest first."""
    principal = current_principal()

    def run(s):
        cond = [access.instance_visibility(principal)]
        for key in ("business_key", "process_key", "status"):
            if args.get(key):
                cond.append(getattr(ProcessInstance, key) == args[key])
        where = and_(*cond)
        total = s.scalar(select(func.count()).select_from(ProcessInstance).where(where))
        rows = s.scalars(select(ProcessInstance).where(where).order_by(ProcessInstance.id.desc())
                         .limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"]))
        return {"items": [instance_dict(s, i) for i in rows], "total": total}
    return in_transaction(db(), run)


@blp.route("/instances/<int:instance_id>")
@blp.response(200, InstanceDetailSchema)
@blp.alt_response(404, schema=ProblemSchema)
def get_instance(instance_id):
    """One instance with its tasks (open and done), pending timers and message subscriptions."""
    principal = current_principal()

    def run(s):
        instance = s.get(ProcessInstance, instance_id)
        if instance is None or not access.can_see_instance(principal, instance, identity.parent_map(s)):
            raise NotFound("案件不存在或无权查看", f"instance {instance_id} not found")
        return instance_dict(s, instance, detail=True)
    return in_transaction(db(), run)
