"""Tables of the web interface: saved inbox filters (own, or shared with one group)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.platform.persistence.models.base import Base, UTCDateTime


class SavedFilter(Base):
    """A named inbox query (the inbox's query string), owned by a user, optionally shared with a group."""
    __tablename__ = "saved_filter"
    __table_args__ = (Index("ix_saved_filter_shared_group", "shared_group"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    shared_group: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
