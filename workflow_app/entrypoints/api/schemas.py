"""Request and response schemas (marshmallow): the OpenAPI document is generated from these."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    message = fields.String(metadata={"description": "Chinese message for end users"})
    errors = fields.Dict(keys=fields.String(), values=fields.String())
    problems = fields.List(fields.Dict())
    holder = fields.String()


class ProcessVersionSchema(Schema):
    process_key = fields.String()
    name = fields.String()
    version = fields.Integer()
    content_hash = fields.String()
    deployed_at = fields.DateTime()
    deployment_id = fields.Integer()


class ProcessVersionDetailSchema(ProcessVersionSchema):
    files = fields.Dict()
    forms = fields.Dict()
    warnings = fields.List(fields.String())


class DeploymentUploadSchema(Schema):
    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), required=True)


class DeploymentResultSchema(Schema):
    deployment_id = fields.Integer(allow_none=True)
    created = fields.List(fields.Nested(ProcessVersionSchema))
    unchanged = fields.List(fields.String())
    warnings = fields.List(fields.String())


class DefinitionTestResultSchema(Schema):
    file = fields.String(metadata={"description": "the test file (*.test.json)"})
    name = fields.String(metadata={"description": "the test's name as the file writes it"})
    kind = fields.String(validate=validate.OneOf(["decision", "check", "scenario"]))
    target = fields.String(metadata={"description": "decision id or process id"})
    element = fields.String(allow_none=True, metadata={"description": "BPMN/DMN element the failure is about (a rule, a task)"})
    step = fields.Integer(allow_none=True, metadata={"description": "scenario step that failed (1-based; 0 = the start)"})
    passed = fields.Boolean()
    message_zh = fields.String(metadata={"description": "what was expected and what came out, in Chinese"})
    message = fields.String(metadata={"description": "the same in English"})


class DefinitionTestReportSchema(Schema):
    passed = fields.Boolean(metadata={"description": "every test passed and the library built"})
    total = fields.Integer()
    failed = fields.Integer()
    results = fields.List(fields.Nested(DefinitionTestResultSchema))
    problems = fields.List(fields.Dict(), metadata={"description": "the library did not build (file, line, reason): no test ran"})


class StartInstanceSchema(Schema):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    business_key = fields.String(required=True, validate=validate.Length(min=1, max=100))
    jurisdiction = fields.String(required=True, validate=validate.Length(min=1, max=64))
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    employer_name = fields.String(validate=validate.Length(max=300), allow_none=True)
    summary = fields.String(validate=validate.Length(max=500), allow_none=True)


class TaskSchema(Schema):
    id = fields.String()
    instance_id = fields.Integer()
    process_key = fields.String()
    process_name = fields.String()
    task_spec = fields.String()
    name = fields.String()
    form = fields.String(allow_none=True)
    candidate_group = fields.String()
    bureau = fields.String()
    body = fields.String()
    role = fields.String()
    assignee = fields.String(allow_none=True)
    owner = fields.String(allow_none=True)
    delegation_state = fields.String(allow_none=True)
    priority = fields.Integer()
    due_at = fields.DateTime(allow_none=True)
    due_provisional = fields.Boolean(metadata={
        "description": "the due date crosses a year without official calendar data: provisional (暂定), "
                       "recomputed when the year is loaded"})
    created_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    status = fields.String()
    business_key = fields.String()
    employer_name = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    row_version = fields.Integer()
    escalated_at = fields.DateTime(allow_none=True)
    escalation_group = fields.String(allow_none=True)
    reminded_at = fields.DateTime(allow_none=True)


class TaskDetailSchema(TaskSchema):
    form_definition = fields.Dict(allow_none=True)
    draft = fields.Dict(allow_none=True)


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(TaskSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class TaskQuerySchema(Schema):
    scope = fields.String(validate=validate.OneOf(["mine", "group", "owned", "all"]), load_default=None)
    status = fields.String(validate=validate.OneOf(["open", "completed", "cancelled", "any"]), load_default="open")
    body = fields.String(load_default=None)
    process_key = fields.String(load_default=None)
    business_key = fields.String(load_default=None)
    employer = fields.String(validate=validate.Length(max=300), load_default=None)
    candidate_group = fields.String(load_default=None)
    assignee = fields.String(load_default=None)
    due_before = fields.AwareDateTime(load_default=None, default_timezone=None)
    due_after = fields.AwareDateTime(load_default=None, default_timezone=None)
    priority_min = fields.Integer(load_default=None)
    priority_max = fields.Integer(load_default=None)
    overdue = fields.Boolean(load_default=None)
    escalated = fields.Boolean(load_default=None)
    sort = fields.String(load_default="-priority,due_at", validate=validate.Length(max=200))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class TaskDataSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict)


class AssignSchema(Schema):
    username = fields.String(required=True, allow_none=True, validate=validate.Length(min=1, max=64))
    expected_version = fields.Integer(load_default=None)


class DelegateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))


class CommentInSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class CommentSchema(Schema):
    id = fields.Integer()
    task_id = fields.String()
    author = fields.String()
    body = fields.String()
    created_at = fields.DateTime()


class TimerSchema(Schema):
    task_id = fields.String()
    name = fields.String()
    due_at = fields.DateTime()
    due_provisional = fields.Boolean()
    status = fields.String()


class SubscriptionSchema(Schema):
    task_id = fields.String()
    message_name = fields.String()
    correlation_key = fields.String()


class InstanceSchema(Schema):
    id = fields.Integer()
    process_key = fields.String()
    process_version = fields.Integer()
    business_key = fields.String()
    jurisdiction = fields.String()
    status = fields.String()
    employer_name = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    started_at = fields.DateTime()
    started_by = fields.String()
    updated_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    lock_version = fields.Integer()


class ClockSchema(Schema):
    name = fields.String()
    label = fields.String()
    rule = fields.String()
    status = fields.String(metadata={"description": "running | suspended | stopped"})
    unit = fields.String()
    length = fields.Integer()
    started_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    due_provisional = fields.Boolean()
    remind_at = fields.DateTime(allow_none=True)
    reminded_at = fields.DateTime(allow_none=True)
    escalated_at = fields.DateTime(allow_none=True)
    stopped_at = fields.DateTime(allow_none=True)
    elapsed = fields.Float(allow_none=True)
    remaining = fields.Float(allow_none=True)
    overdue = fields.Boolean(allow_none=True)
    extensions = fields.List(fields.Dict())
    suspensions = fields.List(fields.Dict())
    error = fields.String()


class InstanceDetailSchema(InstanceSchema):
    tasks = fields.List(fields.Nested(TaskSchema))
    clocks = fields.List(fields.Nested(ClockSchema))
    timers = fields.List(fields.Nested(TimerSchema))
    subscriptions = fields.List(fields.Nested(SubscriptionSchema))


class InstanceQuerySchema(Schema):
    business_key = fields.String(load_default=None)
    process_key = fields.String(load_default=None)
    status = fields.String(validate=validate.OneOf(["running", "completed", "terminated"]), load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class InstancePageSchema(Schema):
    items = fields.List(fields.Nested(InstanceSchema))
    total = fields.Integer()


class AuditQuerySchema(Schema):
    instance_id = fields.Integer(load_default=None)
    business_key = fields.String(load_default=None)
    entity_type = fields.String(load_default=None)
    entity_id = fields.String(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class AuditEventSchema(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    instance_id = fields.Integer(allow_none=True)
    business_key = fields.String(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    detail = fields.String(allow_none=True)


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEventSchema))
    total = fields.Integer()
