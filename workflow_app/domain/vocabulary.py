"""The labour-rights domain's vocabulary: every code a case, complaint or transfer carries, defined once
with its Chinese label (docs/intake.md, docs/collaboration.md).

Bodies and roles are the organisation's (``platform/organisation.py``); project types and issues come from
the deployed decision tables (``domain/intake/catalog.py``). Labels are marked with ``N_`` for
``pybabel extract`` and translated where they are shown (docs/ui.md "Translations").
"""
from __future__ import annotations

from workflow_app.platform.organisation import BODY_LABELS, HANDLING_BODIES, N_

#: The process each handling body runs for a case opened at intake.
BODY_PROCESSES: dict[str, str] = {"inspection": "inspection_case", "si_audit": "si_audit_case",
                                  "arbitration": "arbitration_case"}
#: Short names of the processes, as the inbox and case pages show them.
PROCESS_LABELS: dict[str, str] = {"intake_triage": N_("登记分流"), "inspection_case": N_("监察案件"),
                                  "si_audit_case": N_("稽核案件"), "arbitration_case": N_("仲裁案件"),
                                  "transfer_send": N_("移送、通报、协助（发送）"),
                                  "transfer_receive": N_("移送、通报、协助（接收）"),
                                  "police_transfer": N_("移送公安机关"), "joint_hearing": N_("联合会商"),
                                  "liaison_meeting": N_("联席会议"), "liaison_action": N_("会议议定事项")}

#: Routes the triage table may give a claim, and what they mean.
ROUTE_LABELS: dict[str, str] = {
    **{body: BODY_LABELS[body] for body in HANDLING_BODIES},
    "refuse": N_("监察不予受理（超过两年查处时效）"), "referral": N_("移送其他部门"), "inform": N_("告知按原程序办理"),
    "triage_room": N_("送案件分理室会审"), "duplicate": N_("已关联在办案件"),
}

#: Where a complaint stands at the window.
COMPLAINT_STATUS_LABELS: dict[str, str] = {
    "registered": N_("已登记"), "routed": N_("已分流"), "in_triage_room": N_("分理室会审中"),
    "joint_hearing_requested": N_("已提请联合会商"), "duplicate": N_("重复登记（已关联在办案件）"),
}

#: Where a joint hearing (联合会商) stands (``joint_hearing.status``, docs/collaboration.md §4).
HEARING_STATUS_LABELS: dict[str, str] = {"opinions": N_("征求书面意见"), "scheduled": N_("已安排会商"),
                                         "minuted": N_("已形成纪要"), "concluded": N_("已结论分送")}

#: Kinds of inter-agency work (docs/collaboration.md).
TRANSFER_KIND_LABELS: dict[str, str] = {"transfer": N_("案件移送"), "notification": N_("通报"),
                                        "assistance": N_("协助请求"), "police": N_("移送公安")}
#: What a request for assistance asks for.
ASSISTANCE_LABELS: dict[str, str] = {"evidence": N_("协助调查取证"), "service": N_("协助送达文书")}
#: Where a transfer, notification, assistance request or police transfer stands.
TRANSFER_STATUS_LABELS: dict[str, str] = {
    "requested": N_("待联络员审核"), "reporting": N_("专案组撰写移送报告"), "refused_by_liaison": N_("联络员不同意移送"), "sent": N_("已发送待签收"),
    "acknowledged": N_("已签收"), "accepted": N_("已接收"), "returned": N_("已退回"), "replied": N_("已答复"),
    "reported": N_("待负责人审批"), "not_eligible": N_("不符合移送条件"), "approved": N_("已批准待移送"), "refused": N_("不批准移送"),
    "transferred": N_("已移送待回执"), "received": N_("公安已接收待立案决定"), "filed": N_("公安已立案"),
    "not_filed": N_("公安不予立案"), "no_decision": N_("公安逾期未决定"), "reconsideration": N_("已提请复议"),
    "supervision": N_("已建议检察监督"), "items_handed_over": N_("已移交涉案物品"), "returned_to_admin": N_("已转回行政处理"),
}
