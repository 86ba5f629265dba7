"""State serialization that leaves the process spec out.

SpiffWorkflow embeds the full spec in every serialized workflow (about half the bytes of a small case).
A deployed version's spec is serialized once (``dump_spec``) and stored with the version; an instance's
state (``dump_state``) holds only its task tree and data. Restoring joins the two again.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from workflow_app.platform.clock import ClockDateTime


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Converts a top-level workflow without its spec; restoring takes the specs as arguments."""

    def to_dict(self, workflow):
        dct = super().to_dict(workflow)
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        if spec is None:
            raise ValueError("restoring a workflow needs its spec")
        dct = dict(dct)
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class StateNotStorable(ValueError):
    """Task data holds a value that has no JSON form (a script produced it)."""


#: Typenames of the plain values task data may hold (see engine/task_data.py); the others are Spiff's own.
VALUE_TYPENAMES = frozenset({"UUID", "datetime", "timedelta", "date", "datetime_clock", "Decimal"})


class TolerantRegistry(DefaultRegistry):
    """Spiff's registry, except that data can never make a stored state unloadable.

    Spiff restores *every* JSON object with a ``typename`` key as a registered object and fails on an
    unknown name (``None`` is not callable) or a malformed value. Task data is validated at every entry so
    that such an object is never stored (engine/task_data.py); for what was stored before that, an object
    whose typename is unknown, or a value type whose fields do not parse, comes back as the plain object it
    is. Spiff's own structures (specs, tasks, events) still fail loudly: they are not data.
    """

    def restore(self, val, **kwargs):
        if type(val) is dict and "typename" in val:
            typename = val["typename"]
            if not isinstance(typename, str) or typename not in self.convert_from_dict:
                return {k: self.restore(v, **kwargs) for k, v in val.items()}
            if typename in VALUE_TYPENAMES:
                try:
                    return super().restore(val, **kwargs)
                except (TypeError, ValueError, KeyError, ArithmeticError):
                    return {k: self.restore(v, **kwargs) for k, v in val.items()}
        return super().restore(val, **kwargs)


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config, TolerantRegistry())
    # Values diagram scripts commonly produce, beyond Spiff's datetime/timedelta/UUID.
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(ClockDateTime, lambda v: {"value": v.isoformat()},
                      lambda v: datetime.fromisoformat(v["value"]), typename="datetime_clock")
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return BpmnWorkflowSerializer(registry)


_SERIALIZER = _make_serializer()
VERSION = _SERIALIZER.VERSION


def dump_spec(spec, subprocess_specs: dict) -> str:
    registry = _SERIALIZER.registry
    return json.dumps({
        "spec": registry.convert(spec),
        "subprocess_specs": {name: registry.convert(s) for name, s in subprocess_specs.items()},
    }, ensure_ascii=False)


def load_spec(text: str):
    registry = _SERIALIZER.registry
    dct = json.loads(text)
    spec = registry.restore(dct["spec"])
    subprocess_specs = {name: registry.restore(s) for name, s in dct["subprocess_specs"].items()}
    return spec, subprocess_specs


def dump_state(workflow: BpmnWorkflow) -> str:
    try:
        return _SERIALIZER.serialize_json(workflow)
    except (TypeError, ValueError) as exc:
        raise StateNotStorable(f"task data holds a value that cannot be stored: {exc}") from None


def load_state(text: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    """Restore a workflow. The script engine is not part of the state: the caller must supply the
    sandboxed one, or Spiff would fall back to its unrestricted default."""
    if script_engine is None:
        raise ValueError("a restored workflow needs a script engine")
    dct = json.loads(text)
    _SERIALIZER.migrate(dct)
    workflow = _SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow


def spec_registry():
    """The serializer's registry: it converts specs to dictionaries, which is how SpiffWorkflow's diff
    compares two versions of an element (engine/version_migration.py)."""
    return _SERIALIZER.registry
