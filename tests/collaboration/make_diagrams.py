"""Generator of the collaboration diagrams and forms (bpmn/transfer*.bpmn, police_transfer.bpmn,
joint_hearing.bpmn, liaison_meeting.bpmn, liaison_action.bpmn, forms/collab_*.json).

The repeated shapes (one task per body lane, a boundary timer and an escalation task per waiting step)
are written once here. The generated files are the source of truth once a process owner edits them in a
modeler; run ``python tests/collaboration/make_diagrams.py`` only to regenerate from scratch, then
``scripts/layout-diagrams`` to draw them (docs/diagrams.md).
"""
from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parents[2]
BODY_LABEL = {"inspection": "劳动保障监察", "si_audit": "社会保险稽核", "arbitration": "劳动人事争议仲裁",
              "leadership": "局领导", "triage_room": "案件分理室", "police": "公安机关（联络员记录）"}
HANDLER_ROLE = {"inspection": "inspector", "si_audit": "auditor", "arbitration": "arbitrator"}
ROLE_LABEL = {"liaison_officer": "联络员", "division_head": "科室负责人", "inspector": "监察员", "auditor": "稽核员",
              "arbitrator": "仲裁员", "leadership": "局领导", "triage_reviewer": "分理员"}
HANDLING = ("inspection", "si_audit", "arbitration")


def lane_label(body: str, role: str, parent: bool = False) -> str:
    return f"{BODY_LABEL[body]}·{ROLE_LABEL[role]} [{'^' if parent else ''}{body}/{role}]"


class P:
    def __init__(self, pid: str, name: str, doc: str):
        self.pid, self.name, self.doc = pid, name, doc
        self.nodes: list[str] = []
        self.flows: list[str] = []
        self.lanes: dict[str, list[str]] = {}
        self.messages: dict[str, str] = {}
        self.defaults: dict[str, str] = {}
        self._n = 0

    def _msg(self, name: str) -> str:
        return self.messages.setdefault(name, f"msg_{name}")

    def start(self, id, name="开始", message=None):
        inner = f'<bpmn:messageEventDefinition id="{id}_def" messageRef="{self._msg(message)}" />' if message else ""
        self.nodes.append(f'<bpmn:startEvent id="{id}" name={quoteattr(name)}>{inner}</bpmn:startEvent>')

    def end(self, id, name="结束"):
        self.nodes.append(f'<bpmn:endEvent id="{id}" name={quoteattr(name)} />')

    def script(self, id, name, script):
        self.nodes.append(f'<bpmn:scriptTask id="{id}" name={quoteattr(name)}><bpmn:script>{escape(script)}'
                          f'</bpmn:script></bpmn:scriptTask>')

    def rule(self, id, name, decision):
        self.nodes.append(f'<bpmn:businessRuleTask id="{id}" name={quoteattr(name)}><bpmn:extensionElements>'
                          f'<spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>'
                          f'</bpmn:extensionElements></bpmn:businessRuleTask>')

    def user(self, id, name, lane, form, doc="", post=None, **props):
        props = {"form": form, **props}
        p = "".join(f'<spiffworkflow:property name="{k}" value={quoteattr(v)} />' for k, v in props.items())
        post_xml = f"<spiffworkflow:postScript>{escape(post)}</spiffworkflow:postScript>" if post else ""
        d = f"<bpmn:documentation>{escape(doc)}</bpmn:documentation>" if doc else ""
        self.nodes.append(f'<bpmn:userTask id="{id}" name={quoteattr(name)}>{d}<bpmn:extensionElements>'
                          f'<spiffworkflow:properties>{p}</spiffworkflow:properties>{post_xml}'
                          f'</bpmn:extensionElements></bpmn:userTask>')
        self.lanes.setdefault(lane, []).append(id)

    def xor(self, id, name=""):
        self.nodes.append(("xor", id, name))

    def par(self, id, name=""):
        self.nodes.append(f'<bpmn:parallelGateway id="{id}" name={quoteattr(name)} />')

    def throw(self, id, name, message, payload):
        self.nodes.append(f'<bpmn:intermediateThrowEvent id="{id}" name={quoteattr(name)}>'
                          f'<bpmn:messageEventDefinition id="{id}_def" messageRef="{self._msg(message)}">'
                          f'<bpmn:extensionElements><spiffworkflow:messagePayload>{escape(payload)}'
                          f'</spiffworkflow:messagePayload></bpmn:extensionElements></bpmn:messageEventDefinition>'
                          f'</bpmn:intermediateThrowEvent>')

    def catch(self, id, name, message, variable):
        self.nodes.append(f'<bpmn:intermediateCatchEvent id="{id}" name={quoteattr(name)}>'
                          f'<bpmn:messageEventDefinition id="{id}_def" messageRef="{self._msg(message)}">'
                          f'<bpmn:extensionElements><spiffworkflow:messageVariable>{variable}'
                          f'</spiffworkflow:messageVariable></bpmn:extensionElements></bpmn:messageEventDefinition>'
                          f'</bpmn:intermediateCatchEvent>')

    def timer(self, id, attached, time_date, name="期限届满", interrupting=True):
        self.nodes.append(f'<bpmn:boundaryEvent id="{id}" name={quoteattr(name)} attachedToRef="{attached}" '
                          f'cancelActivity="{"true" if interrupting else "false"}"><bpmn:timerEventDefinition '
                          f'id="{id}_def"><bpmn:timeDate>{escape(time_date)}</bpmn:timeDate>'
                          f'</bpmn:timerEventDefinition></bpmn:boundaryEvent>')

    def flow(self, src, tgt, cond=None, default=False, name=""):
        self._n += 1
        fid = f"f{self._n}_{src}_{tgt}"[:60]
        c = f"<bpmn:conditionExpression>{escape(cond)}</bpmn:conditionExpression>" if cond else ""
        self.flows.append(f'<bpmn:sequenceFlow id="{fid}" name={quoteattr(name)} sourceRef="{src}" targetRef="{tgt}">{c}'
                          f'</bpmn:sequenceFlow>')
        if default:
            self.defaults[src] = fid
        return fid

    def chain(self, *ids):
        for a, b in zip(ids, ids[1:]):
            self.flow(a, b)

    def xml(self) -> str:
        nodes = []
        for n in self.nodes:
            if isinstance(n, tuple):
                _, id, name = n
                d = f' default="{self.defaults[id]}"' if id in self.defaults else ""
                nodes.append(f'<bpmn:exclusiveGateway id="{id}" name={quoteattr(name)}{d} />')
            else:
                nodes.append(n)
        lanes = "".join(f'<bpmn:lane id="lane_{i}" name={quoteattr(label)}>'
                        + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in refs) + "</bpmn:lane>\n"
                        for i, (label, refs) in enumerate(self.lanes.items()))
        msgs = "".join(f'  <bpmn:message id="{mid}" name="{name}" />\n' for name, mid in self.messages.items())
        body = "\n    ".join(nodes + self.flows)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<!--\n{self.doc}\n-->\n"
                '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
                'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
                f'id="Definitions_{self.pid}" targetNamespace="http://caseflow.local/bpmn">\n'
                f'  <bpmn:process id="{self.pid}" name={quoteattr(self.name)} isExecutable="true">\n'
                f'    <bpmn:laneSet id="LaneSet_{self.pid}">\n{lanes}    </bpmn:laneSet>\n    {body}\n'
                f"  </bpmn:process>\n{msgs}</bpmn:definitions>\n")


# ------------------------------------------------------------------------------------------------
# Transfers, notifications, assistance requests: sender side
# ------------------------------------------------------------------------------------------------

def transfer_event(event: str, extra: str = "") -> str:
    return "{'transfer': transfer_number, 'event': '" + event + "'" + (", " + extra if extra else "") + "}"


def transfer_send() -> P:
    p = P("transfer_send", "案件移送、通报、协助请求（发送方）", """  案件移送 / 通报 / 协助请求的发送方 (docs/collaboration.md §1).
  Started by POST /api/cases/{id}/transfers (business key = the transfer number, jurisdiction = the case's
  bureau). The sending body's liaison officer packages the materials and the letter (案件移送函) or refuses
  to send; the request goes out as the message transfer_request (outbox, written in this transaction),
  which starts transfer_receive in the receiving bureau. The answer comes back as transfer_answer,
  correlated by the transfer number. Ledger rows follow every step through the synchronous message
  transfer_event.""")
    p.start("start")
    p.script("init", "移送信息", "correlation_key = transfer_number\npackage_rule = 'PT0S'\n"
             "try:\n    assist_type\nexcept Exception:\n    assist_type = None")
    p.xor("gw_from", "发送机构")
    p.xor("gw_packaged", "")
    p.chain("start", "init", "gw_from")
    for body in HANDLING:
        tid = f"package_{body}"
        p.user(tid, "联络员审核并制作移送函", lane_label(body, "liaison_officer"), "collab_transfer_package.json",
               doc="本机构联络员审核移送（通报、协助请求）理由，选定移送材料，制作案件移送函；不同意移送的写明理由退回承办人。",
               priority="80 if urgent else 50", dueDate="deadline('1WD', requested_at)",
               summary="kind_label + '：' + case_number + ' → ' + to_label")
        p.flow("gw_from", tid, f"from_body == '{body}'")
        p.flow(tid, "gw_packaged")
    p.end("end_bad_body", "发送机构不在移送范围")
    p.flow("gw_from", "end_bad_body", default=True)
    p.xor("gw_send", "是否发送")
    p.flow("gw_packaged", "gw_send")
    p.throw("th_refused", "联络员不同意移送", "transfer_event", transfer_event("refused_by_liaison", "'reason': refusal_reason"))
    p.end("end_refused", "未发送")
    p.flow("gw_send", "th_refused", default=True)
    p.flow("th_refused", "end_refused")
    p.throw("th_sent", "登记移送台账", "transfer_event",
            transfer_event("sent", "'materials': materials, 'letter': letter"))
    p.flow("gw_send", "th_sent", "send == True")
    p.throw("th_request", "发送移送函", "transfer_request",
            "{'business_key': transfer_number + '-收', 'jurisdiction': to_bureau, 'transfer_number': transfer_number, "
            "'kind': kind, 'kind_label': kind_label, 'assist_type': assist_type, 'from_bureau': from_bureau, "
            "'from_body': from_body, 'to_bureau': to_bureau, 'to_body': to_body, 'to_label': to_label, "
            "'case_number': case_number, 'employer_name': employer_name, 'reason': reason, 'materials': materials, "
            "'letter': letter, 'urgent': urgent}")
    p.catch("wait_answer", "等待接收方答复", "transfer_answer", "answer_message")
    p.script("read_answer", "答复内容", "answer = answer_message['answer']\nreturn_reason = answer_message.get('reason')\n"
             "reply = answer_message.get('reply')")
    p.chain("th_sent", "th_request", "wait_answer", "read_answer")
    p.xor("gw_answer", "答复")
    p.flow("read_answer", "gw_answer")
    p.end("end_done", "已接收")
    p.flow("gw_answer", "end_done", default=True)
    p.xor("gw_from2", "发送机构")
    p.flow("gw_answer", "gw_from2", "answer in ('returned', 'replied')")
    p.xor("gw_followed", "")
    for body in HANDLING:
        tid = f"followup_{body}"
        p.user(tid, "查收退回或协助答复", lane_label(body, "liaison_officer"), "collab_transfer_followup.json",
               doc="接收方退回的，写明后续处理（本机构继续办理或改送其他机构）；协助请求的答复转承办人。",
               priority="80 if urgent else 50", dueDate="deadline('3WD', now_iso())",
               summary="('移送被退回：' if answer == 'returned' else '协助答复：') + case_number")
        p.flow("gw_from2", tid, f"from_body == '{body}'")
        p.flow(tid, "gw_followed")
    p.throw("th_followed", "登记后续处理", "transfer_event", transfer_event("followed_up", "'note': followup_note"))
    p.end("end_followed", "办结")
    p.chain("gw_followed", "th_followed", "end_followed")
    return p


def transfer_receive() -> P:
    p = P("transfer_receive", "案件移送、通报、协助请求（接收方）", """  接收方 (docs/collaboration.md §1). Started by the message transfer_request (message start event) in the receiving
  bureau. The acknowledgement deadline comes from transfer_deadlines.dmn (default 3 WD, configurable); the
  receiving body's liaison officer accepts (签收/接收) or returns it with reasons; when the deadline passes
  the task goes to the receiving body's division head (超期督办), who decides instead. Acceptance of a
  transfer opens the receiving body's case with the materials (synchronous handler of transfer_event);
  an accepted assistance request is answered by the body's handler. The answer goes back through the
  outbox as transfer_answer to the sender's instance (correlation key = the transfer number).""")
    p.start("start", "收到移送函", message="transfer_request")
    p.script("init", "收文", "received_at = now_iso()\ntry:\n    urgent\nexcept Exception:\n    urgent = False\n"
             "try:\n    assist_type\nexcept Exception:\n    assist_type = None")
    p.rule("deadlines", "签收与答复期限", "transfer_deadlines")
    p.script("due", "计算期限", "ack_due = due_at(ack_rule, received_at)\nreply_due = due_at(reply_rule, received_at)")
    p.throw("th_received", "登记接收台账", "transfer_event",
            transfer_event("received", "'ack_due': ack_due, 'ack_rule': ack_rule, 'receiver': business_key"))
    p.xor("gw_to", "接收机构")
    p.chain("start", "init", "deadlines", "due", "th_received", "gw_to")
    p.xor("gw_acked", "")
    for body in HANDLING:
        ack, esc, timer, th = f"ack_{body}", f"ack_overdue_{body}", f"ack_timer_{body}", f"th_overdue_{body}"
        p.user(ack, "联络员签收移送函", lane_label(body, "liaison_officer"), "collab_transfer_ack.json",
               doc="接收机构联络员在期限内签收：接收（移送的案件由本机构立案办理）或写明理由退回。",
               priority="80 if urgent else 50", dueDate="ack_due", summary="'签收' + kind_label + '：' + case_number",
               post="acknowledged_at = now_iso()")
        p.timer(timer, ack, "ack_due", "签收期限届满")
        p.throw(th, "签收超期", "transfer_event", transfer_event("escalated", "'step': 'acknowledge'"))
        p.user(esc, "签收超期督办", lane_label(body, "division_head"), "collab_transfer_ack.json",
               doc="联络员未在期限内签收：科室负责人督办并作出接收或退回的决定。",
               priority="90", summary="'签收超期：' + kind_label + ' ' + case_number", post="acknowledged_at = now_iso()")
        p.flow("gw_to", ack, f"to_body == '{body}'")
        p.flow(ack, "gw_acked")
        p.chain(timer, th, esc, "gw_acked")
    p.end("end_bad_body", "接收机构不在移送范围")
    p.flow("gw_to", "end_bad_body", default=True)
    p.script("answer_of", "答复内容", "answer = 'returned' if decision == 'return' else "
             "('acknowledged' if kind == 'notification' else 'accepted')\ntry:\n    return_reason\nexcept Exception:\n"
             "    return_reason = None")
    p.throw("th_answered", "登记签收结果", "transfer_event",
            transfer_event("answered", "'answer': answer, 'reason': return_reason, 'note': ack_note"))
    p.xor("gw_reply", "需要协助答复")
    p.chain("gw_acked", "answer_of", "th_answered", "gw_reply")
    p.throw("th_answer", "答复发送方", "transfer_answer",
            "{'to': transfer_number, 'answer': answer, 'reason': return_reason}")
    p.end("end_answered", "已答复")
    p.flow("gw_reply", "th_answer", default=True)
    p.flow("th_answer", "end_answered")
    p.xor("gw_to2", "接收机构")
    p.flow("gw_reply", "gw_to2", "kind == 'assistance' and answer == 'accepted'")
    p.xor("gw_replied", "")
    for body in HANDLING:
        tid = f"reply_{body}"
        p.user(tid, "办理协助事项并答复", lane_label(body, HANDLER_ROLE[body]), "collab_transfer_reply.json",
               doc="调查取证或协助送达，答复请求机构（期限见 transfer_deadlines.dmn）。",
               priority="80 if urgent else 50", dueDate="reply_due", summary="'协助请求：' + case_number")
        p.flow("gw_to2", tid, f"to_body == '{body}'")
        p.flow(tid, "gw_replied")
    p.throw("th_replied", "登记协助答复", "transfer_event", transfer_event("replied", "'reply': reply"))
    p.throw("th_reply", "答复发送方", "transfer_answer", "{'to': transfer_number, 'answer': 'replied', 'reply': reply}")
    p.end("end_replied", "已答复")
    p.chain("gw_replied", "th_replied", "th_reply", "end_replied")
    return p


# ------------------------------------------------------------------------------------------------
# Police transfer (docs/collaboration.md §3)
# ------------------------------------------------------------------------------------------------

def police_transfer() -> P:
    p = P("police_transfer", "涉嫌拒不支付劳动报酬罪案件移送公安机关", """  移送公安 (docs/collaboration.md §3; 刑法第276条之一; 法释〔2013〕3号; 行政执法机关移送涉嫌犯罪案件的规定).
  Started from an inspection case by POST /api/cases/{id}/police-transfers (business key = the police
  transfer number). criminal_thresholds.dmn gives T1/T10 for the district (per province);
  police_deadlines.dmn gives every deadline (unit configurable: "3D" = calendar days rolled forward, "3WD"
  = working days, "24h" = clock hours). Every waiting step has an interrupting boundary timer that hands
  the step to the supervising level (科室负责人 or 局领导), who records the outcome after chasing it.
  Police-side events are recorded by liaison officers in the police group of the bureau (they see the
  dossier through a police_transfer grant from the handover on). Status and ledger follow through the
  synchronous message transfer_event.""")
    p.start("start")
    p.script("init", "移送材料", "correlation_key = transfer_number\ntry:\n    urgent\nexcept Exception:\n    urgent = False")
    p.rule("thresholds", "拒不支付劳动报酬罪数额标准", "criminal_thresholds")
    p.rule("deadlines", "移送各环节期限", "police_deadlines")
    p.script("check", "移送条件审查", """reasons = []
if not (order_served or order_posted):
    reasons.append('责令支付文书未送达，也未在经营场所张贴并拍照录像')
if order_deadline >= today().isoformat():
    reasons.append('责令支付的期限尚未届满')
if paid:
    reasons.append('用人单位已在期限内支付')
if not (evasion or able_to_pay):
    reasons.append('无逃匿、转移财产等情形，也未查明有能力支付')
n = len(workers)
one = [w for w in workers if w['months_unpaid'] >= 3 and w['amount'] >= t1]
total = sum([w['amount'] for w in workers])
amount_met = len(one) > 0 or (n >= 10 and total >= t10)
if not amount_met:
    reasons.append('拖欠数额未达到本省标准（单人三个月以上且不低于' + str(t1) + '元，或十人以上累计不低于' + str(t10) + '元）')
wage_total = total
eligible = len(reasons) == 0""")
    p.xor("gw_eligible", "符合移送条件")
    p.chain("start", "init", "thresholds", "deadlines", "check", "gw_eligible")
    p.throw("th_not_eligible", "不符合移送条件", "transfer_event", transfer_event("not_eligible", "'reasons': reasons"))
    p.end("end_not_eligible", "继续行政处理")
    p.flow("gw_eligible", "th_not_eligible", default=True)
    p.flow("th_not_eligible", "end_not_eligible")
    p.user("report", "组成专案组、撰写移送报告", lane_label("inspection", "inspector"), "collab_police_report.json",
           doc="立即指定两名以上持有效执法证的人员组成专案组，写出涉嫌犯罪案件移送报告（含案件清单）。",
           priority="90", dueDate="deadline('1WD', now_iso())", summary="'移送公安：专案组与移送报告 ' + case_number",
           post="reported_at = now_iso()")
    p.flow("gw_eligible", "report", "eligible == True")
    p.throw("th_reported", "登记移送报告", "transfer_event",
            transfer_event("reported", "'team': team, 'report': report"))
    p.flow("report", "th_reported")

    def step(id, name, lane, form, rule, start_var, esc_lane, post, doc, after):
        """A waiting step: task with deadline, interrupting timer -> escalation task (same form) -> merge."""
        p.user(id, name, lane, form, doc=doc, priority="90", dueDate=f"deadline({rule}, {start_var})",
               summary=f"'{name}：' + case_number", post=post)
        p.timer(f"{id}_timer", id, f"due_at({rule}, {start_var})", f"{name}期限届满")
        p.throw(f"{id}_late", f"{name}超期", "transfer_event", transfer_event("escalated", f"'step': '{id}'"))
        p.user(f"{id}_overdue", f"{name}（超期督办）", esc_lane, form, doc="期限届满未办结：上级督办，核实后代为记录结果。",
               priority="95", summary=f"'超期督办：{name} ' + case_number", post=post)
        p.xor(f"{id}_done", "")
        p.flow(id, f"{id}_done")
        p.chain(f"{id}_timer", f"{id}_late", f"{id}_overdue", f"{id}_done")
        p.flow(f"{id}_done", after)

    head, lead = lane_label("inspection", "division_head"), lane_label("leadership", "leadership")
    liaison, police = lane_label("inspection", "liaison_officer"), lane_label("police", "liaison_officer")
    p.xor("gw_approved", "是否批准移送")
    p.flow("th_reported", "approve")
    step("approve", "负责人审批移送", head, "approval.json", "approval_rule", "reported_at", lead,
         "approved_at = now_iso()", "自收到移送报告之日起3日内（police_deadlines.dmn）作出批准或不批准移送的决定；不批准的写明理由存档。",
         "gw_approved")
    p.throw("th_refused", "不批准移送", "transfer_event", transfer_event("refused", "'opinion': approval_opinion"))
    p.end("end_refused", "继续行政处理")
    p.flow("gw_approved", "th_refused", default=True)
    p.flow("th_refused", "end_refused")
    p.throw("th_approved", "批准移送", "transfer_event", transfer_event("approved", "'opinion': approval_opinion"))
    p.flow("gw_approved", "th_approved", "approved == True")
    p.flow("th_approved", "handover")
    p.throw("th_transferred", "登记移送", "transfer_event",
            transfer_event("transferred", "'checklist': checklist, 'police_unit': police_unit"))
    step("handover", "移送公安机关", liaison, "collab_police_handover.json", "handover_rule", "approved_at", head,
         "handed_at = now_iso()", "批准后24小时内向同级公安机关移送，附涉嫌犯罪案件移送书、调查报告、涉案物品清单、检验鉴定结论、"
         "责令支付文书及送达证明、工资支付记录和劳动者陈述等材料。", "th_transferred")
    p.flow("th_transferred", "receipt")
    p.throw("th_received", "登记回执", "transfer_event",
            transfer_event("received", "'receipt_no': receipt_no, 'forwarded_to': forwarded_to"))
    step("receipt", "记录公安机关回执", police, "collab_police_receipt.json", "receipt_rule", "handed_at", head,
         "received_at = now_iso()", "公安机关在移送书回执上签字；非本机关管辖的，24小时内移送有管辖权的机关并书面告知。",
         "th_received")
    p.flow("th_received", "filing")
    p.throw("th_filing", "登记立案决定", "transfer_event",
            transfer_event("filing_decision", "'decision': filing_decision, 'note': decision_note"))
    step("filing", "记录公安立案决定", police, "collab_police_filing.json", "filing_rule", "received_at", head,
         "decided_at = now_iso()", "公安机关自接受案件之日起3日内作出立案或不予立案的书面决定。", "th_filing")
    p.xor("gw_filing", "立案决定")
    p.flow("th_filing", "gw_filing")
    p.xor("to_items", "")
    p.xor("to_supervision", "")
    p.xor("to_admin", "")
    p.flow("gw_filing", "to_items", "filing_decision == 'filed'")
    p.flow("gw_filing", "reconsider_request", "filing_decision == 'not_filed'")
    p.flow("gw_filing", "to_supervision", default=True)
    # filed: hand over the case items
    p.flow("to_items", "items")
    p.throw("th_items", "登记移交涉案物品", "transfer_event", transfer_event("items_handed_over", "'note': items_note"))
    step("items", "移交涉案物品", liaison, "collab_police_items.json", "items_rule", "now_iso()", head,
         "items_at = now_iso()", "公安机关立案后3日内办结涉案物品及有关材料的移交。", "th_items")
    p.end("end_filed", "已由公安机关立案侦查")
    p.flow("th_items", "end_filed")
    # not filed: reconsideration chain 3/3/3
    p.xor("gw_request", "是否提请复议")
    step("reconsider_request", "决定是否提请复议", head, "collab_police_reconsider_request.json",
         "reconsider_request_rule", "decided_at", lead, "requested_at = now_iso()",
         "收到不予立案决定书之日起3日内可以提请作出决定的公安机关复议。", "gw_request")
    p.flow("gw_request", "to_admin", default=True)
    p.throw("th_reconsider", "提请复议", "transfer_event", transfer_event("reconsideration", "'note': request_note"))
    p.flow("gw_request", "th_reconsider", "request_reconsideration == True")
    p.flow("th_reconsider", "reconsider_decision")
    p.xor("gw_recon", "复议结果")
    step("reconsider_decision", "记录公安复议决定", police, "collab_police_reconsider_decision.json",
         "reconsider_decision_rule", "requested_at", head, "reconsidered_at = now_iso()",
         "公安机关收到提请复议文件之日起3日内作出复议决定。", "gw_recon")
    p.flow("gw_recon", "to_items", "reconsider_result == 'filed'")
    p.flow("gw_recon", "to_supervision", default=True)
    p.xor("gw_propose", "是否建议检察监督")
    p.flow("to_supervision", "supervision")
    step("supervision", "决定是否建议检察院立案监督", head, "collab_police_supervision.json", "supervision_rule",
         "now_iso()", lead, "proposed_at = now_iso()",
         "对复议决定仍有异议或公安机关逾期未作决定的，3日内建议人民检察院依法进行立案监督。", "gw_propose")
    p.flow("gw_propose", "to_admin", default=True)
    p.throw("th_supervision", "建议检察监督", "transfer_event", transfer_event("supervision", "'note': supervision_note"))
    p.flow("gw_propose", "th_supervision", "propose_supervision == True")
    p.flow("th_supervision", "explain")
    p.xor("gw_explain", "检察院意见")
    step("explain", "记录公安向检察院说明理由", police, "collab_police_explain.json", "explain_rule", "proposed_at", head,
         "explained_at = now_iso()", "人民检察院要求公安机关7日内说明不立案理由；理由不成立的通知公安机关立案。", "gw_explain")
    p.flow("gw_explain", "ordered_filing", "procuratorate_result == 'must_file'")
    p.flow("gw_explain", "to_admin", default=True)
    p.xor("gw_ordered", "是否立案")
    step("ordered_filing", "记录公安按检察院通知立案", police, "collab_police_ordered_filing.json", "ordered_filing_rule",
         "explained_at", lead, "ordered_at = now_iso()", "公安机关收到通知立案书后15日内立案。", "gw_ordered")
    p.flow("gw_ordered", "to_items", "filed_after_supervision == True")
    p.flow("gw_ordered", "to_admin", default=True)
    # not prosecuted: back to administrative handling (never replaced by a fine)
    p.user("back_to_admin", "转回行政处理", lane_label("inspection", "inspector"), "collab_police_back_to_admin.json",
           doc="公安机关不予立案且复议、监督后维持的，案件回到行政处理程序（继续责令支付、申请强制执行、列入失信名单等）。",
           priority="80", dueDate="deadline('5WD', now_iso())", summary="'移送公安未立案，转回行政处理：' + case_number")
    p.throw("th_admin", "登记转回行政处理", "transfer_event", transfer_event("returned_to_admin", "'note': admin_note"))
    p.end("end_admin", "转回行政处理")
    p.chain("to_admin", "back_to_admin", "th_admin", "end_admin")
    return p


# ------------------------------------------------------------------------------------------------
# Joint hearing (docs/collaboration.md §4)
# ------------------------------------------------------------------------------------------------

def joint_hearing() -> P:
    p = P("joint_hearing", "疑难案件联合会商", """  联合会商 (docs/collaboration.md §4). Started by POST /api/joint-hearings (the triage room, or any body from a case).
  The three bodies of the district give written opinions in parallel, each in its own inbox; each opinion
  is stored when it is given (message hearing_event, synchronous) so nothing depends on the data a
  parallel join keeps. The triage room (city level) schedules the hearing with its participants, writes
  the minutes and the conclusion, which routes the claims to bodies — several bodies split the case.""")
    p.start("start")
    p.script("init", "会商材料", "correlation_key = hearing_number")
    p.par("split", "征求三方书面意见")
    p.par("join", "意见齐备")
    p.chain("start", "init", "split")
    for body in HANDLING:
        tid, th = f"opinion_{body}", f"th_opinion_{body}"
        p.user(tid, "出具书面意见", lane_label(body, HANDLER_ROLE[body]), "collab_hearing_opinion.json",
               doc="本机构对疑难案件的书面意见：事实、证据、法律适用，以及建议的办理机构。",
               priority="80", dueDate="deadline('3WD', requested_at)", summary="'联合会商书面意见：' + subject")
        p.throw(th, "登记书面意见", "hearing_event",
                "{'hearing': hearing_number, 'event': 'opinion', 'body': '" + body
                + "', 'opinion': opinion, 'proposed_body': proposed_body}")
        p.chain("split", tid, th, "join")
    room = lane_label("triage_room", "triage_reviewer", parent=True)
    p.user("schedule", "安排联合会商", room, "collab_hearing_schedule.json",
           doc="确定会商时间、地点和参加人员（三方机构均应参加）。", priority="80",
           dueDate="deadline('2WD', now_iso())", summary="'安排联合会商：' + subject")
    p.throw("th_schedule", "登记会商安排", "hearing_event",
            "{'hearing': hearing_number, 'event': 'scheduled', 'scheduled_at': scheduled_at, 'place': place, "
            "'participants': participants}")
    p.user("minutes", "会商纪要", room, "collab_hearing_minutes.json", doc="记录会商经过、各方意见和结论。",
           priority="80", dueDate="deadline('2WD', scheduled_at)", summary="'联合会商纪要：' + subject")
    p.throw("th_minutes", "登记会商纪要", "hearing_event",
            "{'hearing': hearing_number, 'event': 'minutes', 'minutes': minutes_text, 'attendees': attendees}")
    p.user("conclude", "会商结论与分送", room, "collab_hearing_conclusion.json",
           doc="按会商结论确定每项诉求的办理机构；分送不同机构的即拆分为多个案件。", priority="80",
           dueDate="deadline('1WD', now_iso())", summary="'联合会商结论：' + subject")
    p.throw("th_conclude", "按结论分送", "hearing_event",
            "{'hearing': hearing_number, 'event': 'concluded', 'routes': routes, 'conclusion': conclusion}")
    p.end("end", "会商完毕")
    p.chain("join", "schedule", "th_schedule", "minutes", "th_minutes", "conclude", "th_conclude", "end")
    return p


# ------------------------------------------------------------------------------------------------
# Quarterly liaison meeting (docs/collaboration.md §5) and its action items
# ------------------------------------------------------------------------------------------------

def liaison_meeting() -> P:
    p = P("liaison_meeting", "联席办公会议", """  联席办公会议 (docs/collaboration.md §5). One instance per meeting: started each quarter on its first working day by
  the meeting schedule (worker) or ad hoc (POST /api/liaison-meetings). The agenda is compiled from live data
  when the meeting starts (overdue transfers, open difficult cases, police transfers awaiting a decision,
  the quarter's publication candidates, open action items of earlier meetings). The inspection liaison
  officer prepares it; leadership records the minutes, decisions and action items (each becomes a task with
  an owner and a due date, a liaison_action instance).""")
    p.start("start")
    p.script("init", "会议信息", "correlation_key = meeting_number")
    p.user("prepare", "准备会议议程", lane_label("inspection", "liaison_officer"), "collab_meeting_prepare.json",
           doc="根据系统汇总的议题（逾期移送、在办疑难案件、待公安决定的移送、本季度拟公布案件、上次会议未办结事项）准备议程。",
           priority="70", dueDate="deadline('5WD', started_at)", summary="'联席办公会议议程：' + meeting_number")
    p.user("minutes", "会议纪要与议定事项", lane_label("leadership", "leadership"), "collab_meeting_minutes.json",
           doc="记录会议纪要、议定事项；每个落实事项指定责任机构（可指定责任人）和完成期限。", priority="70",
           dueDate="deadline('10WD', started_at)", summary="'联席办公会议纪要：' + meeting_number")
    p.throw("th_minutes", "登记纪要并分派事项", "meeting_event",
            "{'meeting': meeting_number, 'event': 'minutes', 'minutes': minutes_text, 'decisions': decisions, "
            "'action_items': action_items, 'closed_items': closed_items}")
    p.end("end", "会议结束")
    p.chain("start", "init", "prepare", "minutes", "th_minutes", "end")
    return p


def liaison_action() -> P:
    p = P("liaison_action", "联席会议议定事项落实", """  One action item of a liaison meeting: a task for the owning body (its division head, or the named owner,
  who is assigned directly), due on the date the meeting set. Completing it closes the item (meeting_event).""")
    p.start("start")
    p.xor("gw_owner", "责任机构")
    p.xor("gw_done", "")
    p.chain("start", "gw_owner")
    for body in (*HANDLING, "leadership"):
        role = "leadership" if body == "leadership" else "division_head"
        tid = f"do_{body}"
        p.user(tid, "落实联席会议议定事项", lane_label(body, role), "collab_action_item.json",
               doc="落实会议议定事项并报告结果。", priority="70", dueDate="due_on", summary="'会议事项：' + title")
        p.flow("gw_owner", tid, f"owner_body == '{body}'")
        p.flow(tid, "gw_done")
    p.throw("th_done", "事项办结", "meeting_event",
            "{'meeting': meeting_number, 'event': 'action_done', 'item': item_id, 'result': result}")
    p.end("end")
    p.chain("gw_done", "th_done", "end")
    return p


# ------------------------------------------------------------------------------------------------
# Forms
# ------------------------------------------------------------------------------------------------

def form(props: dict, required: list, labels: dict | None = None, widgets: dict | None = None, extra: dict | None = None):
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": props,
              "required": required, **(extra or {})}
    return {"schema": schema, "ui": {"order": list(props), "labels": labels or {k: v.get("title", k) for k, v in props.items()},
                                     "widgets": widgets or {}}}


def text(title, min_len=2, max_len=4000):
    return {"type": "string", "title": title, "minLength": min_len, "maxLength": max_len}


BODY_ENUM = {"type": "string", "enum": list(HANDLING), "title": "办理机构"}
CHECKLIST = ["移送书", "调查报告", "涉案物品清单", "检验鉴定结论", "责令支付文书", "送达证明", "工资支付记录和劳动者陈述"]

FORMS = {
    "collab_transfer_package.json": form(
        {"send": {"type": "boolean", "title": "同意发送"},
         "materials": {"type": "array", "title": "移送材料", "items": {"type": "string", "minLength": 1, "maxLength": 200},
                       "maxItems": 50},
         "letter": {"type": "string", "title": "案件移送函", "maxLength": 8000},
         "refusal_reason": {"type": "string", "title": "不同意移送的理由", "maxLength": 2000}},
        ["send", "materials", "letter", "refusal_reason"], widgets={"letter": "textarea", "refusal_reason": "textarea"},
        extra={"if": {"properties": {"send": {"const": True}}},
               "then": {"properties": {"materials": {"minItems": 1}, "letter": {"minLength": 10}}},
               "else": {"properties": {"refusal_reason": {"minLength": 2}}}}),
    "collab_transfer_ack.json": form(
        {"decision": {"type": "string", "enum": ["accept", "return"], "title": "签收结果"},
         "return_reason": {"type": "string", "title": "退回理由", "maxLength": 2000},
         "ack_note": {"type": "string", "title": "签收意见", "maxLength": 2000}},
        ["decision", "ack_note"], widgets={"decision": "radio", "return_reason": "textarea"},
        extra={"if": {"properties": {"decision": {"const": "return"}}},
               "then": {"required": ["return_reason"], "properties": {"return_reason": {"minLength": 2}}}}),
    "collab_transfer_reply.json": form({"reply": text("协助答复")}, ["reply"], widgets={"reply": "textarea"}),
    "collab_transfer_followup.json": form({"followup_note": text("后续处理")}, ["followup_note"]),
    "collab_police_report.json": form(
        {"team": {"type": "array", "title": "专案组成员（用户名）", "minItems": 2, "maxItems": 20, "uniqueItems": True,
                  "items": {"type": "string", "minLength": 1, "maxLength": 64}},
         "report": text("涉嫌犯罪案件移送报告", 10, 20000)}, ["team", "report"], widgets={"report": "textarea"}),
    "collab_police_handover.json": form(
        {"checklist": {"type": "array", "title": "移送材料清单", "items": {"type": "string", "enum": CHECKLIST},
                       "uniqueItems": True, "minItems": len(CHECKLIST), "maxItems": len(CHECKLIST)},
         "police_unit": text("接收的公安机关", 2, 200)}, ["checklist", "police_unit"]),
    "collab_police_receipt.json": form(
        {"receipt_no": text("回执编号", 1, 100),
         "forwarded_to": {"type": ["string", "null"], "title": "非本机关管辖时移送的公安机关", "maxLength": 200}},
        ["receipt_no", "forwarded_to"]),
    "collab_police_filing.json": form(
        {"filing_decision": {"type": "string", "enum": ["filed", "not_filed", "no_decision"], "title": "立案决定"},
         "decision_note": text("决定书文号或情况说明", 2, 2000)}, ["filing_decision", "decision_note"]),
    "collab_police_items.json": form({"items_note": text("移交情况")}, ["items_note"]),
    "collab_police_reconsider_request.json": form(
        {"request_reconsideration": {"type": "boolean", "title": "提请复议"}, "request_note": text("理由")},
        ["request_reconsideration", "request_note"]),
    "collab_police_reconsider_decision.json": form(
        {"reconsider_result": {"type": "string", "enum": ["filed", "upheld", "no_decision"], "title": "复议结果"},
         "reconsider_note": text("复议决定书文号或情况说明")}, ["reconsider_result", "reconsider_note"]),
    "collab_police_supervision.json": form(
        {"propose_supervision": {"type": "boolean", "title": "建议检察院立案监督"}, "supervision_note": text("理由")},
        ["propose_supervision", "supervision_note"]),
    "collab_police_explain.json": form(
        {"procuratorate_result": {"type": "string", "enum": ["must_file", "reasons_accepted", "no_answer"],
                                  "title": "检察院审查结果"}, "explain_note": text("情况说明")},
        ["procuratorate_result", "explain_note"]),
    "collab_police_ordered_filing.json": form(
        {"filed_after_supervision": {"type": "boolean", "title": "公安机关已立案"}, "ordered_note": text("情况说明")},
        ["filed_after_supervision", "ordered_note"]),
    "collab_police_back_to_admin.json": form({"admin_note": text("后续行政处理措施")}, ["admin_note"]),
    "collab_hearing_opinion.json": form(
        {"opinion": text("书面意见", 2, 8000), "proposed_body": {**BODY_ENUM, "title": "建议办理机构"}},
        ["opinion", "proposed_body"], widgets={"opinion": "textarea"}),
    "collab_hearing_schedule.json": form(
        {"scheduled_at": {"type": "string", "format": "date-time", "title": "会商时间"}, "place": text("地点", 2, 200),
         "participants": {"type": "array", "title": "参加人员", "minItems": 3, "maxItems": 50,
                          "items": {"type": "object", "properties": {"name": text("姓名", 1, 100), "body": {
                              "type": "string", "maxLength": 32, "minLength": 1}}, "required": ["name", "body"],
                                    "additionalProperties": False}}},
        ["scheduled_at", "place", "participants"]),
    "collab_hearing_minutes.json": form(
        {"minutes_text": text("会商纪要", 10, 20000),
         "attendees": {"type": "array", "title": "实际到会人员", "minItems": 1, "maxItems": 50,
                       "items": {"type": "string", "minLength": 1, "maxLength": 100}}},
        ["minutes_text", "attendees"], widgets={"minutes_text": "textarea"}),
    "collab_hearing_conclusion.json": form(
        {"routes": {"type": "array", "title": "诉求分送", "minItems": 1, "maxItems": 30,
                    "items": {"type": "object", "properties": {"code": {"type": "string", "minLength": 1, "maxLength": 64},
                                                               "body": BODY_ENUM},
                              "required": ["code", "body"], "additionalProperties": False}},
         "conclusion": text("会商结论", 2, 8000)}, ["routes", "conclusion"]),
    "collab_meeting_prepare.json": form({"agenda_note": text("议程说明", 2, 8000)}, ["agenda_note"],
                                        widgets={"agenda_note": "textarea"}),
    "collab_meeting_minutes.json": form(
        {"minutes_text": text("会议纪要", 10, 20000),
         "decisions": {"type": "array", "title": "议定事项", "maxItems": 50, "items": {"type": "string", "minLength": 2, "maxLength": 1000}},
         "action_items": {"type": "array", "title": "落实事项", "maxItems": 50, "items": {
             "type": "object", "properties": {
                 "title": text("事项", 2, 500), "owner_body": {"type": "string", "enum": [*HANDLING, "leadership"]},
                 "owner": {"type": ["string", "null"], "maxLength": 64}, "due_on": {"type": "string", "format": "date"}},
             "required": ["title", "owner_body", "due_on"], "additionalProperties": False}},
         "closed_items": {"type": "array", "title": "本次会议确认办结的上次事项", "maxItems": 100,
                          "items": {"type": "integer", "minimum": 1}}},
        ["minutes_text", "decisions", "action_items", "closed_items"], widgets={"minutes_text": "textarea"}),
    "collab_action_item.json": form({"result": text("落实情况")}, ["result"], widgets={"result": "textarea"}),
}


def main() -> None:
    for name, proc in [("transfer.bpmn", transfer_send()), ("transfer_receive.bpmn", transfer_receive()),
                       ("police_transfer.bpmn", police_transfer()), ("joint_hearing.bpmn", joint_hearing()),
                       ("liaison_meeting.bpmn", liaison_meeting()), ("liaison_action.bpmn", liaison_action())]:
        (ROOT / "bpmn" / name).write_text(proc.xml(), encoding="utf-8")
    for name, content in FORMS.items():
        (ROOT / "forms" / name).write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
