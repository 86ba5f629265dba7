"""Personal data of a case: masked for every viewer, revealed (and audited) for entitled roles."""
from __future__ import annotations

import json

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import ProblemSchema
from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity import access
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import ProcessInstance
from workflow_app.platform.personal_data import reveal as personal_data
from workflow_app.platform.runtime.instances import visible_task

blp = Blueprint("personal_data", __name__, url_prefix="/api", description="Personal data: masked views and audited reveal")


class PersonalDataRevealSchema(Schema):
    field_names = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list,
                              validate=validate.Length(max=50), data_key="fields",
                         metadata={"description": "dotted paths (e.g. complainant_id_number); empty: every personal field"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=personal_data.MAX_REASON))


class PersonalValuesSchema(Schema):
    instance_id = fields.Integer()
    business_key = fields.String()
    values = fields.Dict(keys=fields.String(), values=fields.Raw())
    masked = fields.Boolean()


def _doc(instance, values, is_masked):
    return {"instance_id": instance.id, "business_key": instance.business_key, "values": values, "masked": is_masked}


@blp.route("/instances/<int:instance_id>/personal-data")
@blp.response(200, PersonalValuesSchema)
@blp.alt_response(404, schema=ProblemSchema)
def masked_values(instance_id):
    """The personal fields of a case, masked (e.g. ``4101**********1234``); no audit event."""
    principal = current_principal()

    def run(s):
        instance = access.visible_instance(s, principal, instance_id)
        return _doc(instance, masking.masked(personal_data.instance_values(s, instance)), True)
    return in_transaction(db(), run)


@blp.route("/instances/<int:instance_id>/personal-data/reveal", methods=["POST"])
@blp.arguments(PersonalDataRevealSchema)
@blp.response(200, PersonalValuesSchema)
@blp.alt_response(403, schema=ProblemSchema, description="Role not entitled to full values")
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def reveal_instance(args, instance_id):
    """Full values of personal fields of a case, with a reason; every reveal is an audit event."""
    principal = current_principal()

    def run(s):
        instance = access.visible_instance(s, principal, instance_id)
        values = personal_data.reveal(s, principal, entity_type="instance", entity_id=instance.id,
                                      values=personal_data.instance_values(s, instance), fields=args["field_names"],
                                      reason=args["reason"], instance_id=instance.id,
                                      business_key=instance.business_key)
        return _doc(instance, values, False)
    return in_transaction(db(), run)


@blp.route("/tasks/<string:task_id>/personal-data/reveal", methods=["POST"])
@blp.arguments(PersonalDataRevealSchema)
@blp.response(200, PersonalValuesSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
def reveal_task(args, task_id):
    """Full values of personal fields of a task's case and of its saved draft; audited."""
    principal = current_principal()

    def run(s):
        row = visible_task(s, principal, task_id)
        instance = s.get(ProcessInstance, row.instance_id)
        values = personal_data.instance_values(s, instance)
        if row.draft:
            masking.collect(json.loads(row.draft), out=values)
        out = personal_data.reveal(s, principal, entity_type="task", entity_id=row.id, values=values,
                                   fields=args["field_names"], reason=args["reason"], instance_id=instance.id,
                                   business_key=instance.business_key)
        return _doc(instance, out, False)
    return in_transaction(db(), run)
