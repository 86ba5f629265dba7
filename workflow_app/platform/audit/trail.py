"""The audit trail: every state change appends who, when, what, before and after — hash-chained per case.

:func:`record` prepares an event; the event is chained and inserted when the transaction commits (a
``before_commit`` hook), so that one transaction locks the chain heads it touches in a fixed (sorted)
order and holds them only for the moment of the commit:

* chain ``case:<business key>`` for events of a case, ``instance:<id>`` for an instance without a business
  key, ``global`` for the rest (logins, users, tokens, deployments);
* the chain head row is created if missing (``INSERT ... ON CONFLICT DO NOTHING``) and locked
  (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite already serialises writers with ``BEGIN IMMEDIATE``);
* the event gets ``seq`` = head length + 1, ``prev_hash`` = head hash and ``hash`` = SHA-256 over the
  canonical JSON of its fields and ``prev_hash``; ``(chain_key, seq)`` is unique, so a fork is impossible.

Personal data is masked before it is stored (:func:`masking.mask_data` for before/after,
:func:`masking.mask_text` for detail, actor and entity id): the audit table is append-only for
ever and must not become a second register of identity numbers.

:func:`verify_chain` recomputes a chain and names the first event that does not match.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.persistence.models import AuditChainHead, AuditEvent
from workflow_app.platform.identifiers import masking

GLOBAL_CHAIN = "global"
GENESIS_HASH = "0" * 64
_PENDING = "caseflow.audit.pending"


def chain_key_for(business_key: str | None, instance_id: int | None) -> str:
    if business_key:
        return f"case:{business_key}"[:120]
    if instance_id is not None:
        return f"instance:{instance_id}"
    return GLOBAL_CHAIN


def _clip(value: Any, length: int) -> str:
    text = "" if value is None else str(value)
    return text[:length]


def _plain(value: Any, depth: int = 0) -> Any:
    """JSON-native copy (what the JSON column gives back), so that hashes recompute identically."""
    if depth > 64:
        return "…"
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _mask_detail(detail: str | None) -> str | None:
    if detail is None:
        return None
    try:
        parsed = json.loads(detail)
    except (ValueError, RecursionError):
        return masking.mask_text(str(detail))
    if isinstance(parsed, (dict, list)):
        return json.dumps(masking.mask_data(parsed), ensure_ascii=False, sort_keys=True)
    return masking.mask_text(str(detail))


def record(session: Session, actor: str, action: str, entity_type: str, entity_id: Any, *,
           instance_id: int | None = None, business_key: str | None = None,
           before: dict | None = None, after: dict | None = None, detail: str | None = None) -> AuditEvent:
    """Append an event (chained and inserted when ``session``'s transaction commits)."""
    business_key = _clip(business_key, 100) if business_key else None
    event = AuditEvent(
        # actor and entity id too: a failed login records the name as typed, which may be a phone number
        occurred_at=clock.now(), actor=_clip(masking.mask_text(_clip(actor, 64)), 64), action=_clip(action, 64),
        entity_type=_clip(entity_type, 32), entity_id=_clip(masking.mask_text(_clip(entity_id, 64)), 64),
        instance_id=instance_id,
        business_key=business_key,
        before=_plain(masking.mask_data(before)) if before is not None else None,
        after=_plain(masking.mask_data(after)) if after is not None else None,
        detail=_mask_detail(detail), chain_key=chain_key_for(business_key, instance_id),
    )
    session.info.setdefault(_PENDING, []).append(event)
    return event


def flush_pending(session: Session) -> None:
    """Chain and insert the events recorded in this transaction (called by the commit hook)."""
    pending: list[AuditEvent] = session.info.pop(_PENDING, None) or []
    if not pending:
        return
    by_chain: dict[str, list[AuditEvent]] = {}
    for ev in pending:
        by_chain.setdefault(ev.chain_key, []).append(ev)
    now = clock.now()
    for key in sorted(by_chain):  # fixed lock order: no deadlock between transactions
        head = _lock_head(session, key, now)
        events = by_chain[key]
        for ev in events:
            ev.seq = head.length + 1
            ev.prev_hash = head.last_hash
            ev.hash = event_hash(ev)
            session.add(ev)
            head.length, head.last_hash, head.updated_at = ev.seq, ev.hash, now
        session.flush()
        head.last_event_id = events[-1].id
    session.flush()


def _lock_head(session: Session, key: str, now: datetime) -> AuditChainHead:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(AuditChainHead).values(chain_key=key, length=0, last_hash=GENESIS_HASH,
                                                  last_event_id=None, updated_at=now)
                    .on_conflict_do_nothing(index_elements=["chain_key"]))
    return session.execute(select(AuditChainHead).where(AuditChainHead.chain_key == key).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one()


@sa_event.listens_for(Session, "before_commit")
def _chain_on_commit(session: Session) -> None:
    if session.info.get(_PENDING):
        flush_pending(session)


@sa_event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


# ------------------------------------------------------------------------------------------------
# Hashing and verification
# ------------------------------------------------------------------------------------------------

def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def canonical(ev: AuditEvent) -> bytes:
    body = {
        "chain": ev.chain_key, "seq": ev.seq, "occurred_at": _utc(ev.occurred_at), "actor": ev.actor,
        "action": ev.action, "entity_type": ev.entity_type, "entity_id": ev.entity_id,
        "instance_id": ev.instance_id, "business_key": ev.business_key, "before": ev.before,
        "after": ev.after, "detail": ev.detail, "prev_hash": ev.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(ev: AuditEvent) -> str:
    return hashlib.sha256(canonical(ev)).hexdigest()


@dataclass
class ChainReport:
    chain_key: str
    ok: bool
    events_checked: int
    first_tampered_event_id: int | None = None
    first_tampered_seq: int | None = None
    reason: str | None = None
    head_hash: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def verify_chain(session: Session, chain_key: str) -> ChainReport:
    """Recompute ``chain_key`` from its first event; name the first event that breaks it."""
    rows = session.scalars(select(AuditEvent).where(AuditEvent.chain_key == chain_key)
                           .order_by(AuditEvent.seq, AuditEvent.id)
                           .execution_options(populate_existing=True, yield_per=500))
    prev, expected, count = GENESIS_HASH, 1, 0
    for ev in rows:
        count += 1
        reason = None
        if ev.seq != expected:
            reason = (f"sequence broken: expected event #{expected}, found #{ev.seq} "
                      "(an event was deleted, inserted or renumbered)")
        elif ev.prev_hash != prev:
            reason = "prev_hash does not match the previous event's hash (an event was removed or replaced)"
        elif ev.hash != event_hash(ev):
            reason = "the event's content does not match its hash (the event was modified)"
        if reason:
            return ChainReport(chain_key, False, count, ev.id, ev.seq, reason)
        prev, expected = ev.hash, expected + 1
    head = session.get(AuditChainHead, chain_key, populate_existing=True)
    if head is None:
        if count:
            return ChainReport(chain_key, False, count, None, None, "the chain head is missing")
        return ChainReport(chain_key, True, 0, head_hash=GENESIS_HASH)
    if head.length != count or head.last_hash != prev:
        return ChainReport(chain_key, False, count, head.last_event_id, head.length,
                           f"the chain head records {head.length} events ending in {head.last_hash[:12]}…, "
                           f"the table holds {count} ending in {prev[:12]}… (events removed from the end)")
    return ChainReport(chain_key, True, count, head_hash=prev)


def chain_keys(session: Session) -> list[str]:
    keys = session.scalars(union(select(AuditEvent.chain_key).where(AuditEvent.chain_key.is_not(None)),
                                 select(AuditChainHead.chain_key))).all()
    return sorted(set(keys))


def verify_all(session: Session) -> list[ChainReport]:
    reports = [verify_chain(session, key) for key in chain_keys(session)]
    orphans = session.scalar(select(AuditEvent.id).where(AuditEvent.chain_key.is_(None)).order_by(AuditEvent.id).limit(1))
    if orphans is not None:
        reports.append(ChainReport("(none)", False, 0, orphans, None, "an event belongs to no chain"))
    return reports
