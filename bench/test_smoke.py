"""Smoke test of the benchmark suite itself (not part of the main test suite: run ``pytest bench/test_smoke.py``).

The quick run needs PostgreSQL at 127.0.0.1:5432 like the main suite; it takes about a minute.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import datagen
from bench.common import percentile

ROOT = Path(__file__).resolve().parent.parent


def test_percentile_interpolates():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5], 95) == 5
    assert percentile(list(range(101)), 95) == 95


def test_generator_produces_the_requested_shape():
    gen = datagen.Generator(rows=5_000, open_rows=500, n_groups=200, seed=3)
    rows = open_rows = instances = 0
    groups = set()
    for inst_rows, task_rows in gen.chunks(size=300):
        instances += len(inst_rows)
        rows += len(task_rows)
        open_rows += sum(1 for r in task_rows if r[datagen.TASK_COLUMNS.index("status")] == "open")
        groups.update(r[datagen.TASK_COLUMNS.index("candidate_group")] for r in task_rows)
    assert (rows, open_rows, instances) == (5_000, 500, 1_000)
    assert len(gen.org.groups) == 200 and groups <= set(gen.org.groups)
    assert sum(gen.summary.open_by_group.values()) == 500


def test_quick_run_writes_reports(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--no-docs", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "latest.json").read_text())
    assert (tmp_path / "latest.md").read_text().startswith("# Benchmark results")
    assert not report["errors"]
    ids = {t["id"] for t in report["targets"]}
    assert {"a", "b", "c", "d", "e1", "e2", "f"} <= ids
    race = next(t for t in report["targets"] if t["id"] == "d")
    assert race["pass"] is True  # exactly one winner per round is a correctness property, not a timing
