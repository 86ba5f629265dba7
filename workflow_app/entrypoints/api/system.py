"""Liveness and readiness."""
from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import text

from workflow_app.entrypoints.api.common import db

blp = Blueprint("system", __name__, url_prefix="/api", description="Health")


@blp.route("/health")
@blp.doc(security=[])
def health():
    """Liveness: the process answers."""
    return {"status": "ok"}


@blp.route("/ready")
@blp.doc(security=[])
def ready():
    """Readiness: the database answers."""
    with db().engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ready"}
