"""The tables of official numbers: a pattern per kind and bureau, a counter per kind, bureau and year
(docs/intake.md, numbering; the service is platform/numbering/numbers.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.platform.persistence.models.base import Base, UTCDateTime


class NumberScheme(Base):
    """A numbering pattern for one kind of number in one bureau (``*``: the default of every bureau)."""

    __tablename__ = "number_scheme"
    __table_args__ = (UniqueConstraint("kind", "bureau_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # a registered number kind
    bureau_code: Mapped[str] = mapped_column(String(64))
    pattern: Mapped[str] = mapped_column(String(200))
    bureau_short: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


class NumberSequence(Base):
    """The last number issued for one kind, bureau and year (incremented under a row lock)."""

    __tablename__ = "number_sequence"
    __table_args__ = (UniqueConstraint("kind", "bureau_code", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    bureau_code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
