"""The intake's number kinds: complaint numbers (投诉编号) and the three kinds of case numbers (案件编号).

The machinery (patterns per bureau, counters per year) is platform/numbering/numbers.py; the bootstrap
registers these kinds with :func:`register_number_kinds` (docs/intake.md, numbering).
"""
from __future__ import annotations

from workflow_app.platform.numbering import numbers

#: kind -> (label, built-in pattern). The three case kinds share ``case_file.number``: one distinct group.
NUMBER_KINDS: dict[str, tuple[str, str]] = {
    "complaint": ("举报投诉登记编号", "{bureau_short}投〔{year}〕{seq:05d}号"),
    "inspection": ("劳动保障监察案件编号", "{bureau_short}人社监案〔{year}〕{seq:05d}号"),
    "si_audit": ("社会保险稽核案件编号", "{bureau_short}社稽案〔{year}〕{seq:05d}号"),
    "arbitration": ("劳动人事争议仲裁案件编号", "{bureau_short}劳人仲案〔{year}〕{seq:05d}号"),
}
CASE_NUMBER_KINDS = ("inspection", "si_audit", "arbitration")


def register_number_kinds() -> None:
    for kind, (label, pattern) in NUMBER_KINDS.items():
        numbers.register_kind(kind, label, pattern, distinct_group="case" if kind in CASE_NUMBER_KINDS else None)
