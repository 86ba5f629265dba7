"""The names of audited actions as a person reads them (a case file's timeline): ``task.claim`` -> 认领.

The actions are those :func:`workflow_app.platform.audit.trail.record` is called with, anywhere in the code;
every one has a label here (tests/test_action_labels.py fails on an action without one, docs/ui.md "Names,
not codes"). Labels are marked with :func:`N_` for extraction, like the organisation's labels, and pages
translate them where they show them (docs/ui.md "Translations").
"""
from __future__ import annotations

from workflow_app.platform.organisation import N_

ACTION_LABELS: dict[str, str] = {
    # cases and tasks
    "instance.start": N_("案件启动"),
    "instance.migrate": N_("迁移到新版本流程"),
    "migration.start": N_("开始迁移运行中的案件"),
    "migration.finish": N_("迁移运行中的案件完成"),
    "task.claim": N_("认领任务"),
    "task.unclaim": N_("退回组内"),
    "task.assign": N_("分派任务"),
    "task.delegate": N_("委派任务"),
    "task.resolve": N_("交回委派任务"),
    "task.complete": N_("办结任务"),
    "task.save_draft": N_("保存草稿"),
    "task.comment": N_("发表意见"),
    "task.escalate": N_("任务超期升级"),
    "task.remind": N_("任务催办"),
    "attachment.add": N_("上传附件"),
    "attachment.link": N_("接收移送附件"),
    "attachment.send": N_("随移送发送附件"),
    "personal_data.reveal": N_("查看个人信息"),
    "case.grant": N_("授权访问案件"),
    "case.revoke_grant": N_("撤销案件访问授权"),
    "case.open": N_("开案"),
    "case.duplicate_registration": N_("关联重复登记"),
    "case.emergency": N_("启动快速处理"),
    "case.supervise": N_("挂牌督办"),
    "case.supervise_close": N_("督办结束"),
    # intake
    "complaint.register": N_("登记投诉举报"),
    "complaint.triage": N_("分流判定"),
    "complaint.room_routed": N_("分理室分流"),
    "complaint.duplicate_link": N_("关联重复登记"),
    "complaint.joint_hearing_request": N_("提请联合会商"),
    "ledger.transfer": N_("登记移送台账"),
    "ledger.notification": N_("登记通报台账"),
    "numbering.set": N_("设置编号规则"),
    # statutory clocks, timers, incidents
    "clock.start": N_("法定时限起算"),
    "clock.stop": N_("法定时限停止"),
    "clock.suspend": N_("法定时限中止"),
    "clock.resume": N_("法定时限恢复"),
    "clock.extend": N_("法定时限延长"),
    "clock.remind": N_("法定时限提醒"),
    "clock.escalate": N_("法定时限升级督办"),
    "timer.fire": N_("定时器触发"),
    "deadline.recompute": N_("重算期限"),
    "incident.open": N_("登记故障"),
    "incident.retry": N_("故障重试"),
    "calendar.load": N_("导入法定节假日数据"),
    # messages between processes
    "message.send": N_("发送消息"),
    "message.deliver": N_("投递消息"),
    "message.receive": N_("接收消息"),
    # transfers between bodies and to the police
    "transfer.request": N_("发起移送"),
    "transfer.refused_by_liaison": N_("联络员退回移送"),
    "transfer.sent": N_("移送已发出"),
    "transfer.received": N_("移送已接收"),
    "transfer.escalated": N_("移送逾期升级"),
    "transfer.answered": N_("接收方答复移送"),
    "transfer.replied": N_("回复移送"),
    "transfer.followed_up": N_("跟进移送"),
    "transfer.not_eligible": N_("不符合移送公安条件"),
    "transfer.reported": N_("报请移送公安"),
    "transfer.approved": N_("批准移送公安"),
    "transfer.refused": N_("不批准移送公安"),
    "transfer.transferred": N_("已移送公安"),
    "transfer.filing_decision": N_("公安机关立案决定"),
    "transfer.reconsideration": N_("申请复议"),
    "transfer.supervision": N_("提请检察监督"),
    "transfer.items_handed_over": N_("移交涉案物品"),
    "transfer.returned_to_admin": N_("退回行政处理"),
    # joint hearings and liaison meetings
    "hearing.request": N_("提请联合会商"),
    "hearing.opinion": N_("提出会商意见"),
    "hearing.scheduled": N_("安排会商"),
    "hearing.minutes": N_("记录会商纪要"),
    "hearing.concluded": N_("会商结论"),
    "meeting.start": N_("启动联席会议"),
    "meeting.minutes": N_("记录会议纪要"),
    "meeting.action_done": N_("会议事项办结"),
    "meeting.schedule": N_("设置会议计划"),
    "meeting.minutes_saved": N_("编辑会议纪要"),
    "meeting.action_item": N_("分派会议事项"),
    # the organisation, sign-in, deployments
    "auth.login": N_("登录"),
    "auth.logout": N_("退出登录"),
    "auth.login_failed": N_("登录失败"),
    "auth.login_refused": N_("拒绝登录"),
    "auth.unlock": N_("解除登录锁定"),
    "user.create": N_("创建用户"),
    "user.activate": N_("启用用户"),
    "user.deactivate": N_("停用用户"),
    "user.password": N_("修改密码"),
    "user.password_changed": N_("本人设置新密码"),
    "membership.add": N_("加入组"),
    "membership.remove": N_("移出组"),
    "token.create": N_("创建访问令牌"),
    "token.revoke": N_("吊销访问令牌"),
    "certificate.add": N_("登记执法证"),
    "certificate.revoke": N_("注销执法证"),
    "process.deploy": N_("部署流程"),
    "document.issue": N_("制发文书"),
    "document.serve": N_("送达文书"),
}


def action_label(action: str) -> str:
    """The label of an audited action; an unknown action (one the test would have caught) shows its code."""
    return ACTION_LABELS.get(action, action)
