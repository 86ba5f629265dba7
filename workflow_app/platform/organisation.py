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


#: The body part of a bureau-wide group key (``zz/bureau/process_owner``): such a group has no body label.
BUREAU_WIDE_BODY = "bureau"


def group_label(key: str | None, bureau_names: dict[str, str], translate=lambda text: text) -> str:
    """A candidate group key (``bureau/body/role``) in words: "金水区人力资源和社会保障局·劳动保障监察·劳动保障
    监察员" — the bureau's name, the body's label, the role's label (docs/ui.md "Names, not codes").

    ``translate`` is applied to the body and role labels (pages pass their gettext; bureau names are data
    and stay as registered). A key that is not of that shape is returned as it is, so nothing is hidden.
    """
    if not key:
        return ""
    parts = key.split("/")
    if len(parts) != 3 or parts[2] not in ROLE_LABELS or (parts[1] not in BODY_LABELS
                                                          and parts[1] != BUREAU_WIDE_BODY):
        return key
    bureau, body, role = parts
    words = [bureau_names.get(bureau, bureau)]
    if body != BUREAU_WIDE_BODY:
        words.append(translate(BODY_LABELS[body]))
    words.append(translate(ROLE_LABELS[role]))
    return "·".join(words)
