"""Settings from the environment (``CASEFLOW_*``), with demo-friendly defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Settings:
    database_url: str = "sqlite:///" + str(ROOT / "instance" / "caseflow.sqlite")
    secret_key: str = "dev-insecure-secret"
    library_folders: list[Path] = field(default_factory=lambda: [ROOT / "bpmn", ROOT / "forms"])
    sync_library_on_start: bool = True
    create_schema: bool = True
    max_upload_bytes: int = 8 * 1024 * 1024

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        s = cls()
        env = os.environ
        if env.get("CASEFLOW_DATABASE_URL"):
            s.database_url = env["CASEFLOW_DATABASE_URL"]
        if env.get("CASEFLOW_SECRET_KEY"):
            s.secret_key = env["CASEFLOW_SECRET_KEY"]
        if env.get("CASEFLOW_LIBRARY"):
            s.library_folders = [Path(p) for p in env["CASEFLOW_LIBRARY"].split(os.pathsep) if p]
        for key, value in overrides.items():
            setattr(s, key, value)
        return s
