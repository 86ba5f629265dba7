"""The names of audited actions as a person reads them (a case file's timeline): ``task.claim`` -> 认领.

The actions are those :func:`workflow_app.platform.audit.trail.record` is called with; an action missing
here is shown by its code. Labels are marked with :func:`N_` for extraction, like the organisation's
labels (docs/ui.md "Translations").
"""
from __future__ import annotations

from workflow_app.platform.organisation import N_

ACTION_LABELS: dict[str, str] = {
    "instance.start": N_("案件启动"),
    "task.claim": N_("认领"),
    "task.unclaim": N_("退回"),
    "task.assign": N_("分派"),
    "task.delegate": N_("委派"),
    "task.resolve": N_("交回"),
    "task.complete": N_("办结"),
    "task.save_draft": N_("保存草稿"),
    "task.comment": N_("意见"),
    "attachment.add": N_("上传附件"),
    "attachment.link": N_("接收移送附件"),
    "attachment.send": N_("随移送发送附件"),
    "personal_data.reveal": N_("查看个人信息"),
    "case_access.grant": N_("授权访问"),
    "case_access.revoke": N_("撤销授权"),
    "complaint.register": N_("登记"),
    "case.open": N_("立案/开案"),
    "clock.start": N_("法定时限起算"),
    "clock.stop": N_("法定时限停止"),
    "clock.suspend": N_("法定时限中止"),
    "clock.resume": N_("法定时限恢复"),
    "clock.extend": N_("法定时限延长"),
    "case.grant": N_("授权访问"),
    "case.revoke": N_("撤销授权"),
    "document.issue": N_("制发文书"),
    "document.serve": N_("送达文书"),
}


def action_label(action: str) -> str:
    """The label of an audited action; an unknown action is shown as its code."""
    return ACTION_LABELS.get(action, action)
