"""The organisation an installation serves: the kinds of body a bureau has and the roles a membership
carries — each code defined once here with its Chinese label (docs/security.md "Roles").

Lanes name a candidate group by these codes (``[inspection/inspector]``, ``platform/engine/conventions.py``),
memberships and groups carry them (``platform/identity``), pages show the labels. Labels are plain
strings marked with :func:`N_` so that ``pybabel extract`` collects them for translation; pages translate
them when they render (``_(label)``), while the API and exports keep the Chinese text (docs/ui.md
"Translations").
"""
from __future__ import annotations


def N_(text: str) -> str:
    """Mark a label for translation without translating it now (gettext_noop): it is translated where it
    is shown, in the reader's language, and stays a plain string everywhere else."""
    return text


#: The bodies of a bureau that tasks and cases belong to, with their labels.
BODY_LABELS: dict[str, str] = {
    "intake": N_("综合窗口"),
    "triage_room": N_("案件分理室"),
    "inspection": N_("劳动保障监察"),
    "si_audit": N_("社会保险稽核"),
    "arbitration": N_("劳动人事争议仲裁"),
    "leadership": N_("局领导"),
    "legal_review": N_("法制审核"),
    "police": N_("公安机关"),
}
BODIES: tuple[str, ...] = tuple(BODY_LABELS)

#: Roles a membership can carry, with their labels.
ROLE_LABELS: dict[str, str] = {
    "intake_clerk": N_("窗口受理员"),
    "triage_reviewer": N_("分理员"),
    "inspector": N_("劳动保障监察员"),
    "auditor": N_("社会保险稽核员"),
    "arbitrator": N_("仲裁员"),
    "liaison_officer": N_("联络员"),
    "division_head": N_("科室负责人"),
    "leadership": N_("局领导"),
    "legal_reviewer": N_("法制审核员"),
    "process_owner": N_("流程管理员"),
    "administrator": N_("系统管理员"),
}
ROLES: tuple[str, ...] = tuple(ROLE_LABELS)

#: Roles that supervise the tasks of their body (assign, reassign, see everything of the body).
SUPERVISOR_ROLES = ("division_head", "leadership")

#: The bodies that handle cases opened at intake (each runs its own procedure).
HANDLING_BODIES = ("inspection", "si_audit", "arbitration")


def body_label(code: str | None) -> str:
    """The label of a body code; an unknown code is shown as it is."""
    return BODY_LABELS.get(code or "", code or "")


def role_label(code: str | None) -> str:
    return ROLE_LABELS.get(code or "", code or "")
