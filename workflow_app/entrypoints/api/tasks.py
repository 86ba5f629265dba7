"""The task inbox over HTTP: list, claim, unclaim, assign, delegate, resolve, complete, comments."""
from __future__ import annotations

from flask_smorest import Blueprint

from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import (
    AssignSchema,
    CommentInSchema,
    CommentSchema,
    DelegateSchema,
    ProblemSchema,
    TaskDataSchema,
    TaskDetailSchema,
    TaskPageSchema,
    TaskQuerySchema,
    TaskSchema,
)
from workflow_app.platform.identifiers import masking
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import TaskRow
from workflow_app.platform.runtime import instances as runtime
from workflow_app.platform.tasks import inbox, task_view
from workflow_app.platform.tasks.inbox import TaskFilter

blp = Blueprint("tasks", __name__, url_prefix="/api", description="Task inbox")

_FIELDS = [f for f in TaskSchema().fields]


def task_dict(row: TaskRow) -> dict:
    out = {f: getattr(row, f) for f in _FIELDS}
    out["summary"] = masking.mask_text(out.get("summary"))  # lists never show full ID/phone numbers
    return out


@blp.route("/tasks")
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, TaskPageSchema)
@blp.alt_response(422, schema=ProblemSchema)
def list_tasks(args):
    """Tasks visible to the caller. ``scope=mine`` (assigned to me), ``group`` (my groups' unclaimed)."""
    principal = current_principal()
    page, per_page, sort = args.pop("page"), args.pop("per_page"), args.pop("sort")
    if args.get("status") == "any":
        args["status"] = None
    if args.get("scope") == "all":
        args["scope"] = None
    flt = TaskFilter(**args)

    def run(s):
        rows, total = inbox.list_tasks(s, principal, flt, sort=sort, page=page, per_page=per_page)
        return {"items": [task_dict(r) for r in rows], "total": total, "page": page, "per_page": per_page}
    return in_transaction(db(), run)


@blp.route("/tasks/<string:task_id>")
@blp.response(200, TaskDetailSchema)
@blp.alt_response(404, schema=ProblemSchema)
def get_task(task_id):
    """One task with its form definition and, for its holder, the saved draft."""
    principal = current_principal()

    def run(s):
        row = runtime.visible_task(s, principal, task_id)
        out = task_dict(row)
        out["form_definition"] = inbox.task_form(s, row) if row.form else None
        # The draft is its holder's (docs/ui.md "Task forms"); reveal: personal-data/reveal
        out["draft"] = task_view.draft(s, row, principal) or None
        return out
    return in_transaction(db(), run)


def _operation(task_id, action):
    principal = current_principal()
    return in_transaction(db(), lambda s: task_dict(action(s, principal, task_id)))


@blp.route("/tasks/<string:task_id>/claim", methods=["POST"])
@blp.response(200, TaskSchema)
@blp.alt_response(409, schema=ProblemSchema, description="Claimed by someone else (holder named)")
def claim(task_id):
    """Claim a task of one of my groups. Exactly one of concurrent claimers wins."""
    return _operation(task_id, inbox.claim)


@blp.route("/tasks/<string:task_id>/unclaim", methods=["POST"])
@blp.response(200, TaskSchema)
@blp.alt_response(409, schema=ProblemSchema)
def unclaim(task_id):
    """Give a claimed task back to its group."""
    return _operation(task_id, inbox.unclaim)


@blp.route("/tasks/<string:task_id>/assign", methods=["POST"])
@blp.arguments(AssignSchema)
@blp.response(200, TaskSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(409, schema=ProblemSchema)
def assign(args, task_id):
    """Supervisors: assign or reassign (``username: null`` returns the task to the group)."""
    return _operation(task_id, lambda s, p, t: inbox.assign(s, p, t, args["username"], args["expected_version"]))


@blp.route("/tasks/<string:task_id>/delegate", methods=["POST"])
@blp.arguments(DelegateSchema)
@blp.response(200, TaskSchema)
@blp.alt_response(409, schema=ProblemSchema)
def delegate(args, task_id):
    """Delegate to a colleague; I stay the owner and get the task back when they resolve it."""
    return _operation(task_id, lambda s, p, t: inbox.delegate(s, p, t, args["username"]))


@blp.route("/tasks/<string:task_id>/resolve", methods=["POST"])
@blp.arguments(TaskDataSchema)
@blp.response(200, TaskSchema)
@blp.alt_response(409, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def resolve(args, task_id):
    """The delegate hands the task back to its owner (data kept as a draft)."""
    return _operation(task_id, lambda s, p, t: inbox.resolve(s, p, t, args["data"]))


@blp.route("/tasks/<string:task_id>/draft", methods=["PUT"])
@blp.arguments(TaskDataSchema)
@blp.response(200, TaskSchema)
@blp.alt_response(422, schema=ProblemSchema)
def save_draft(args, task_id):
    """Save form data without completing."""
    return _operation(task_id, lambda s, p, t: inbox.save_draft(s, p, t, args["data"]))


@blp.route("/tasks/<string:task_id>/complete", methods=["POST"])
@blp.arguments(TaskDataSchema)
@blp.response(200, TaskSchema)
@blp.alt_response(409, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema, description="Form errors, one Chinese message per field")
def complete(args, task_id):
    """Complete my task with its form data; the case moves on in the same transaction."""
    return _operation(task_id, lambda s, p, t: runtime.complete_task(s, p, t, args["data"]))


def _comment_dict(c) -> dict:
    return {"id": c.id, "task_id": c.task_id, "author": c.author, "body": masking.mask_text(c.body),
            "created_at": c.created_at}


@blp.route("/tasks/<string:task_id>/comments")
@blp.response(200, CommentSchema(many=True))
@blp.alt_response(404, schema=ProblemSchema)
def list_comments(task_id):
    """Comments on a task, oldest first."""
    principal = current_principal()
    return in_transaction(db(), lambda s: [_comment_dict(c) for c in inbox.comments(s, principal, task_id)])


@blp.route("/tasks/<string:task_id>/comments", methods=["POST"])
@blp.arguments(CommentInSchema)
@blp.response(201, CommentSchema)
@blp.alt_response(404, schema=ProblemSchema)
def add_comment(args, task_id):
    """Add a comment."""
    principal = current_principal()
    return in_transaction(db(), lambda s: _comment_dict(inbox.add_comment(s, principal, task_id, args["body"])))
