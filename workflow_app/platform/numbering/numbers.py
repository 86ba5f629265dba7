"""Official numbers (编号、文号) per kind, bureau and year: the kinds' registry, schemes and gap-free counters.

Each feature registers its kinds at bootstrap (:func:`register_kind`): the intake's complaint and case numbers
(domain/intake/numbering.py), the collaboration's transfer and meeting numbers, every document type's 文号
(documents/types.json). Nothing is registered on import.

A number is ``pattern.format(...)`` of the scheme for its kind and bureau. Placeholders:

* ``{bureau_short}`` — the bureau's short name (``金水``), derived from its name unless the scheme sets one;
* ``{bureau}`` — the bureau code (``zz-jinshui``);
* ``{year}`` — the year of issue (Asia/Shanghai);
* ``{seq}`` — the running number in that kind, bureau and year, with an optional zero-padded width
  (``{seq:05d}``).

A scheme row for ``(kind, bureau)`` wins over the row for ``(kind, "*")``, which wins over the kind's
registered default. Process owners and administrators change schemes through ``PUT /api/intake/numbering``.

Uniqueness under concurrency: the counter is one ``number_sequence`` row per (kind, bureau, year), created
with ``INSERT ... ON CONFLICT DO NOTHING`` and incremented with ``UPDATE ... RETURNING`` in the caller's
transaction. On PostgreSQL the UPDATE's row lock makes concurrent issues of one bureau take turns
(until commit); on SQLite every writer already holds the database lock (``BEGIN IMMEDIATE``). A rolled-back
transaction gives its number back, so numbers have no gaps. The unique constraints on the number columns
are the last line of defence (docs/intake.md, docs/documents.md).
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import Invalid, NotFound
from workflow_app.platform.persistence.models import Bureau
from workflow_app.platform.persistence.models.numbering import NumberScheme, NumberSequence

#: The registered kinds of numbers: their labels, default patterns and, for kinds stored in one column,
#: the group whose numbers must never coincide (filled by the bootstrap, see register_kind).
KINDS: dict[str, str] = {}
DEFAULT_PATTERNS: dict[str, str] = {}
DISTINCT_GROUPS: dict[str, str] = {}
ANY_BUREAU = "*"
MAX_NUMBER_LENGTH = 100
_PLACEHOLDERS = {"bureau_short", "bureau", "year", "seq"}
_SEQ_SPEC = re.compile(r"0?([1-9]|1[0-2])?d")
_BUREAU_SUFFIXES = ("人力资源和社会保障局", "人力资源社会保障局", "人社局")
_AREA_SUFFIXES = ("自治州", "自治县", "新区", "地区", "市", "区", "县", "旗")


def register_kind(kind: str, label: str, pattern: str, distinct_group: str | None = None) -> None:
    """Make ``kind`` a number kind (idempotent: a kind registered already keeps its first registration).

    Kinds in one ``distinct_group`` share a number column (the three case kinds): a scheme that would
    render the same number as another kind of its group is refused."""
    problems = pattern_problems(pattern)
    if problems or len(kind) > 32:
        raise ValueError(f"number kind {kind!r}: " + "; ".join(problems or ["code longer than 32 characters"]))
    KINDS.setdefault(kind, label)
    DEFAULT_PATTERNS.setdefault(kind, pattern)
    if distinct_group:
        DISTINCT_GROUPS.setdefault(kind, distinct_group)


def default_short_name(name: str, code: str) -> str:
    """``金水区人力资源和社会保障局`` -> ``金水``; ``郑州市人力资源和社会保障局`` -> ``郑州``."""
    text = (name or "").strip()
    for suffix in _BUREAU_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    for suffix in _AREA_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return text or code


def pattern_problems(pattern: str) -> list[str]:
    """Why ``pattern`` cannot be used (empty list: usable)."""
    if not isinstance(pattern, str) or not pattern.strip():
        return ["编号格式不能为空"]
    if len(pattern) > 200:
        return ["编号格式不能超过200字"]
    problems, seen = [], set()
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        return ["编号格式中的花括号不成对（字面花括号请写成 {{ 或 }}）"]
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in _PLACEHOLDERS:
            problems.append(f"不认识的占位符 {{{field}}}（可用：{{bureau_short}}、{{bureau}}、{{year}}、{{seq}}）")
            continue
        if conversion:
            problems.append(f"占位符 {{{field}}} 不能带转换符")
        if field == "seq":
            if spec and not _SEQ_SPEC.fullmatch(spec):
                problems.append("流水号只能写成 {seq} 或 {seq:05d} 这样的补零宽度（最多12位）")
        elif spec:
            problems.append(f"占位符 {{{field}}} 不能带格式")
        seen.add(field)
    if "seq" not in seen:
        problems.append("编号格式必须包含流水号 {seq}")
    if "year" not in seen:
        problems.append("编号格式必须包含年度 {year}（流水号按年度重新计数）")
    if not seen & {"bureau_short", "bureau"}:
        problems.append("编号格式必须包含机构 {bureau_short} 或 {bureau}（各机构分别计数）")
    return problems


def render(pattern: str, bureau_short: str, bureau: str, year: int, seq: int) -> str:
    return pattern.format(bureau_short=bureau_short, bureau=bureau, year=year, seq=seq)


@dataclass
class Scheme:
    kind: str
    bureau_code: str
    pattern: str
    bureau_short: str
    source: str  # bureau | default-row | built-in

    def render(self, year: int, seq: int) -> str:
        return render(self.pattern, self.bureau_short, self.bureau_code, year, seq)


def _bureau(session: Session, code: str) -> Bureau:
    bureau = session.scalar(select(Bureau).where(Bureau.code == code))
    if bureau is None:
        raise NotFound(f"机构 {code} 不存在", f"bureau {code} not found")
    return bureau


def scheme_for(session: Session, kind: str, bureau_code: str) -> Scheme:
    if kind not in KINDS:
        raise Invalid(f"未知的编号种类 {kind}", f"unknown number kind {kind!r}", errors={"kind": "编号种类不正确"})
    bureau = _bureau(session, bureau_code)
    rows = {r.bureau_code: r for r in session.scalars(select(NumberScheme).where(
        NumberScheme.kind == kind, NumberScheme.bureau_code.in_([bureau_code, ANY_BUREAU])))}
    own, default = rows.get(bureau_code), rows.get(ANY_BUREAU)
    short = (own.bureau_short if own is not None and own.bureau_short else None) or default_short_name(bureau.name, bureau.code)
    if own is not None:
        return Scheme(kind, bureau_code, own.pattern, short, "bureau")
    if default is not None:
        return Scheme(kind, bureau_code, default.pattern, short, "default-row")
    return Scheme(kind, bureau_code, DEFAULT_PATTERNS[kind], short, "built-in")


def _next_value(session: Session, kind: str, bureau_code: str, year: int) -> int:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(NumberSequence).values(kind=kind, bureau_code=bureau_code, year=year, last_value=0)
                    .on_conflict_do_nothing(index_elements=["kind", "bureau_code", "year"]))
    return session.execute(
        update(NumberSequence)
        .where(NumberSequence.kind == kind, NumberSequence.bureau_code == bureau_code, NumberSequence.year == year)
        .values(last_value=NumberSequence.last_value + 1)
        .returning(NumberSequence.last_value)
        .execution_options(synchronize_session=False)).scalar_one()


def allocate(session: Session, kind: str, bureau_code: str, year: int | None = None) -> str:
    """The next number of ``kind`` in ``bureau_code`` for ``year`` (default: this year, local)."""
    scheme = scheme_for(session, kind, bureau_code)
    year = year or clock.today_local().year
    number = scheme.render(year, _next_value(session, kind, bureau_code, year))
    if len(number) > MAX_NUMBER_LENGTH:
        raise Invalid("编号过长，请缩短编号格式", f"number longer than {MAX_NUMBER_LENGTH} characters")
    return number


def list_schemes(session: Session) -> list[dict]:
    """Every kind for every bureau: the effective pattern, where it comes from, and a preview."""
    year = clock.today_local().year
    out = []
    for bureau in session.scalars(select(Bureau).order_by(Bureau.code)):
        for kind in KINDS:
            s = scheme_for(session, kind, bureau.code)
            current = session.scalar(select(NumberSequence.last_value).where(
                NumberSequence.kind == kind, NumberSequence.bureau_code == bureau.code, NumberSequence.year == year))
            out.append({"kind": kind, "kind_label": KINDS[kind], "bureau_code": bureau.code, "bureau_name": bureau.name,
                        "pattern": s.pattern, "bureau_short": s.bureau_short, "source": s.source,
                        "issued_this_year": current or 0, "next_number": s.render(year, (current or 0) + 1)})
    return out


def set_scheme(session: Session, actor: str, kind: str, bureau_code: str, pattern: str,
               bureau_short: str | None = None) -> NumberScheme:
    """Create or change the scheme of ``kind`` for ``bureau_code`` (``*``: every bureau without its own)."""
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = "编号种类不正确（" + "、".join(KINDS) + "）"
    if bureau_code != ANY_BUREAU and session.scalar(select(Bureau.id).where(Bureau.code == bureau_code)) is None:
        errors["bureau_code"] = "机构不存在"
    problems = pattern_problems(pattern)
    if problems:
        errors["pattern"] = "；".join(problems)
    if bureau_short is not None:
        bureau_short = bureau_short.strip()
        if not bureau_short or len(bureau_short) > 32 or "{" in bureau_short or "}" in bureau_short:
            errors["bureau_short"] = "机构简称应为1至32个字，且不含花括号"
        elif bureau_code == ANY_BUREAU:
            errors["bureau_short"] = "机构简称只能按机构设置"
    if errors:
        raise Invalid("编号格式设置有误：" + "；".join(errors.values()), "invalid numbering scheme", errors=errors)
    if len(render(pattern, bureau_short or "某某某某", bureau_code if bureau_code != ANY_BUREAU else "x" * 20, 2026, 10**8)) \
            > MAX_NUMBER_LENGTH:
        raise Invalid("编号格式生成的编号过长", "pattern renders numbers that are too long",
                      errors={"pattern": f"生成的编号不能超过{MAX_NUMBER_LENGTH}字"})
    _check_distinct(session, kind, bureau_code, pattern, bureau_short)
    row = session.scalar(select(NumberScheme).where(NumberScheme.kind == kind, NumberScheme.bureau_code == bureau_code))
    before = {"pattern": row.pattern, "bureau_short": row.bureau_short} if row else None
    now = clock.now()
    if row is None:
        row = NumberScheme(kind=kind, bureau_code=bureau_code, pattern=pattern, bureau_short=bureau_short,
                           updated_at=now, updated_by=actor)
        session.add(row)
    else:
        row.pattern, row.bureau_short, row.updated_at, row.updated_by = pattern, bureau_short, now, actor
    session.flush()
    audit.record(session, actor, "numbering.set", "number_scheme", f"{kind}:{bureau_code}", before=before,
                 after={"pattern": pattern, "bureau_short": bureau_short})
    return row


def _check_distinct(session: Session, kind: str, bureau_code: str, pattern: str, bureau_short: str | None) -> None:
    """Two kinds stored in one column (one distinct group, e.g. the three case kinds) never render one number."""
    group = DISTINCT_GROUPS.get(kind)
    if group is None:
        return
    case_kinds = [k for k, g in DISTINCT_GROUPS.items() if g == group]
    codes = [bureau_code] if bureau_code != ANY_BUREAU else list(session.scalars(select(Bureau.code)))
    for code in codes:
        short = bureau_short or scheme_for(session, kind, code).bureau_short
        mine = render(pattern, short, code, 2026, 1)
        for other in case_kinds:
            if other != kind and scheme_for(session, other, code).render(2026, 1) == mine:
                raise Invalid("编号格式与其他案件种类重复", f"pattern collides with {other} in {code}",
                              errors={"pattern": f"与{KINDS[other]}的编号格式相同，案件编号会重复"})
