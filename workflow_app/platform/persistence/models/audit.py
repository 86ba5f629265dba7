"""The audit trail: append-only (database triggers) and hash-chained per case.

Every event belongs to one chain: ``case:<business key>`` for events of a case, ``instance:<id>`` for an
instance without a business key, ``global`` for everything else (logins, users, deployments). Within a
chain, ``seq`` counts from 1 and ``hash`` = SHA-256 over a canonical JSON of the event's fields and
``prev_hash`` (the hash of the previous event in the chain). ``audit_chain_head`` holds each chain's last
hash; it is the row locked to append, so concurrent writers never fork a chain.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.platform.persistence.models.base import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id"),
                      UniqueConstraint("chain_key", "seq", name="uq_audit_event_chain_seq"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    business_key: Mapped[str | None] = mapped_column(String(100), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)
    chain_key: Mapped[str | None] = mapped_column(String(120), index=True)
    seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(Base):
    """The last event of each chain: locked (SELECT ... FOR UPDATE) to append the next one."""

    __tablename__ = "audit_chain_head"
    chain_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    length: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_event_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
