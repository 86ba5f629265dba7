"""Messages between process instances: outbox in, subscriptions matched by correlation key, delivery out.

* A sender's thrown message is an ``outbox_message`` row written in the sender's transaction (see
  ``runtime._dispatch_events``); nothing is lost if the process dies right after the commit.
* The worker delivers pending rows: the receivers are the ``message_subscription`` rows with the same
  message name and correlation key (indexed; no instance is scanned). With no waiting receiver, a process
  whose message start event carries the name is started. Otherwise the message waits and is retried with
  backoff (the receiver may not have reached its catch event yet) and finally becomes an incident.
* Delivery to each receiver is recorded in ``message_receipt`` (unique per message and receiver) in the
  receiver's transaction, so a redelivery after a crash never applies a message twice.
"""
from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.persistence.database import Database
from workflow_app.platform.engine import runner
from workflow_app.platform.persistence.models import (
    Incident,
    MessageReceipt,
    MessageSubscription,
    OutboxMessage,
    ProcessInstance,
)
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.processes import registry
from workflow_app.platform.errors import DomainError, Invalid
from workflow_app.platform.identity.directory import SYSTEM, Principal
from workflow_app.platform.runtime.instances import (
    check_task_data,
    in_transaction,
    load_workflow,
    persist_step,
    start_instance,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 30


class NoReceiver(Exception):
    pass


def send(session: Session, principal: Principal, name: str, correlation_key: str | None, payload: dict,
         source_instance_id: int | None = None) -> OutboxMessage:
    """Queue a message from outside a process (an external system, a liaison officer's entry)."""
    if not name or len(name) > 200:
        raise Invalid("消息名称不能为空", "message name must be 1-200 characters", errors={"name": "消息名称不正确"})
    if not isinstance(payload, dict) or any(not isinstance(k, str) or not k.isidentifier() or k.startswith("_")
                                            for k in payload):
        raise Invalid("消息内容格式不正确", "payload must be an object with identifier keys",
                      errors={"payload": "消息内容格式不正确"})
    check_task_data(payload, "payload")
    row = OutboxMessage(instance_id=source_instance_id or 0, message_name=name,
                        correlation_key=(correlation_key or "")[:300],
                        payload=json.dumps(payload, ensure_ascii=False, default=str),
                        idempotency_key=f"api:{uuid.uuid4()}", status="pending", attempts=0, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, principal.username, "message.send", "message", row.id,
                 after={"name": name, "correlation_key": correlation_key})
    return row


def pending_ids(session: Session, limit: int) -> list[int]:
    now = clock.now()
    return list(session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == "pending",
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.id).limit(limit)))


def deliver(db: Database, message_id: int) -> bool:
    """Deliver one message; False when another worker holds it or it is not deliverable yet."""
    def run(session: Session) -> bool:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id,
                                                              OutboxMessage.status == "pending")
                                 .with_for_update(skip_locked=True))
        if message is None:
            return False
        payload = json.loads(message.payload)
        receivers = []
        if message.correlation_key:
            receivers = sorted(set(session.scalars(select(MessageSubscription.instance_id).where(
                MessageSubscription.message_name == message.message_name,
                MessageSubscription.correlation_key == message.correlation_key))))
        delivered = [i for i in receivers if _deliver_to(session, message, i, payload)]
        consumed = list(session.scalars(select(MessageReceipt.instance_id).where(
            MessageReceipt.idempotency_key == message.idempotency_key)))
        if not delivered and consumed:
            delivered = consumed  # a redelivery of a message already consumed: nothing more to do
        elif not delivered and not receivers:
            started = _start_by_message(session, message, payload)
            if started is None:
                raise NoReceiver(f"no instance waits for '{message.message_name}' with key "
                                 f"'{message.correlation_key}' and no process starts with it")
            delivered = [started]
        message.status, message.delivered_at = "delivered", clock.now()
        message.delivered_to = json.dumps(delivered)
        audit.record(session, SYSTEM.username, "message.deliver", "message", message.id,
                     after={"name": message.message_name, "to": delivered})
        return True

    try:
        return in_transaction(db, run)
    except NoReceiver as exc:
        _record_failure(db, message_id, str(exc))
    except (runner.EngineError, DomainError) as exc:
        _record_failure(db, message_id, str(getattr(exc, "detail", exc)))
    except Exception as exc:  # never kill the worker
        log.exception("delivering message %s failed", message_id)
        _record_failure(db, message_id, f"{type(exc).__name__}: {exc}")
    return False


def _deliver_to(session: Session, message: OutboxMessage, instance_id: int, payload: dict) -> bool:
    if session.scalar(select(MessageReceipt.id).where(MessageReceipt.idempotency_key == message.idempotency_key,
                                                      MessageReceipt.instance_id == instance_id)):
        return False  # already consumed (a redelivery)
    instance = session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id)
                              .with_for_update())
    version, _loaded, workflow = load_workflow(session, instance)
    if not runner.waits_for_message(workflow, message.message_name):
        return False
    # The payload becomes the receiver's task data: the same check as any other entry (a row queued before
    # the check existed fails here, is retried and becomes an incident instead of spoiling the receiver).
    check_task_data(payload if isinstance(payload, dict) else {"value": payload}, "payload", names=False)
    step = runner.StepLog()
    runner.deliver_message(workflow, message.message_name, payload, step)
    persist_step(session, instance, version, workflow, step, SYSTEM)
    session.add(MessageReceipt(idempotency_key=message.idempotency_key, instance_id=instance_id,
                               received_at=clock.now()))
    audit.record(session, SYSTEM.username, "message.receive", "instance", instance.id, instance_id=instance.id,
                 business_key=instance.business_key, after={"name": message.message_name, "message_id": message.id})
    return True


def _start_by_message(session: Session, message: OutboxMessage, payload: dict) -> int | None:
    for version in registry.list_latest(session):
        spec = registry.spec_cache.get(version).spec
        if message.message_name in runner.message_start_names(spec):
            business_key = str(payload.get("business_key") or f"{version.process_key}-{message.id}")
            jurisdiction = str(payload.get("jurisdiction") or "")
            variables = {k: v for k, v in payload.items() if k not in ("business_key", "jurisdiction")}
            instance = start_instance(session, SYSTEM, version.process_key, business_key, jurisdiction, variables,
                                      employer_name=payload.get("employer_name"), authorize=False)
            # The new instance waits at its message start event: hand it the message (Spiff's protocol).
            if not _deliver_to(session, message, instance.id, payload):
                raise runner.EngineError(f"process {version.process_key} did not wait for '{message.message_name}'")
            return instance.id
    return None


def _record_failure(db: Database, message_id: int, error: str) -> None:
    def run(session: Session) -> None:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.status != "pending":
            return
        now = clock.now()
        message.attempts += 1
        message.last_error = error[:4000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = "incident"
            session.add(Incident(kind="outbox", ref_id=message.id, instance_id=message.instance_id or None,
                                 business_key=message.correlation_key or None, error=error[:4000],
                                 attempts=message.attempts, created_at=now))
        else:
            message.next_attempt_at = now + timedelta(seconds=BACKOFF_SECONDS * 2 ** (message.attempts - 1))
    in_transaction(db, run)
