"""Regenerates tests/security/corpus/ (hostile BPMN/DMN files and MANIFEST.json): `python tests/security/make_corpus.py`."""
import json
import sys
from pathlib import Path

from xml.sax.saxutils import escape
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.samples import process, simple, user_task
out = Path(__file__).resolve().parent / "corpus"
manifest = {}
def put(name, content, phase, reason, bundle=None, variables=None, note=""):
    (out / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    manifest[name] = {"phase": phase, "reason": reason, "note": note,
                      **({"bundle": bundle} if bundle else {}), **({"variables": variables} if variables else {})}

BODY = simple()[simple().index("<bpmn:definitions"):]  # without the XML declaration
put("xxe_file_entity.bpmn", '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' + BODY.replace("第一步", "&x;"), "deploy", "DTD", note="XXE: external entity reading a local file")
put("xxe_parameter_entity.dmn", '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>\n<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x"/>', "deploy", "DTD", note="XXE via parameter entity (out-of-band)")
laughs = '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i-1) + ";") * 10}">' for i in range(1, 10)) + ']>\n<lolz>&lol9;</lolz>'
put("billion_laughs.bpmn", laughs, "deploy", "DTD", note="exponential entity expansion")
put("quadratic_blowup.dmn", '<?xml version="1.0"?>\n<!DOCTYPE q [<!ENTITY a "' + "A" * 50000 + '">]>\n<q>' + "&a;" * 2000 + "</q>", "deploy", "DTD", note="one large entity referenced many times")
put("external_dtd_system.bpmn", '<?xml version="1.0"?>\n<!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd">\n' + BODY, "deploy", "DTD", note="external DTD fetch (SSRF)")
put("external_dtd_public.dmn", '<?xml version="1.0"?>\n<!DOCTYPE d PUBLIC "-//EVIL//DTD//EN" "file:///dev/random">\n<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x"/>', "deploy", "DTD", note="public external DTD")
put("xinclude.bpmn", simple().replace("<bpmn:startEvent id=\"start\" />", '<bpmn:startEvent id="start"><bpmn:documentation><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/></bpmn:documentation></bpmn:startEvent>'), "deploy", "XInclude", note="XInclude of a local file")
put("deep_nesting.bpmn", '<?xml version="1.0"?>\n' + "<a>" * 5000 + "</a>" * 5000, "deploy", "depth", note="element nesting far beyond any diagram")
put("utf16.bpmn", simple().encode("utf-16"), "deploy", "UTF-8", note="non-UTF-8 encoding")
put("nul_byte.bpmn", simple().replace("第一步", "第一\x00步").encode(), "deploy", "UTF-8", note="NUL byte")
put("not_xml.dmn", bytes(range(256)) * 4, "deploy", "", note="binary garbage")
put("script_dunder_walk.bpmn", simple(script=escape("x = ().__class__.__base__.__subclasses__()")), "deploy", "__class__", note="attribute walk to os")
put("script_import.bpmn", simple(script="import os\nos.system('id')"), "deploy", "import")
put("script_open.bpmn", simple(script="x = open('/etc/passwd').read()"), "deploy", "open")
put("script_exec.bpmn", simple(script="exec('import os')"), "deploy", "Exec")
put("script_format_escape.bpmn", simple(script=escape("x = '{0.__globals__}'.format(parse_date)")), "run", "format", note="str.format attribute walk (refused when run)")
put("condition_escape.bpmn", process("t_cond", '<bpmn:startEvent id="s" /><bpmn:exclusiveGateway id="g" /><bpmn:endEvent id="e" />', [("f1", "s", "g"), ("f2", "g", "e", escape("__import__('os').system('id') == 0"))]), "deploy", "__import__", note="gateway condition")
put("property_escape.bpmn", simple(extra_props='<spiffworkflow:property name="priority" value="getattr(today, \'__globals__\')" />'), "deploy", "getattr", note="task property expression")
put("deep_expression.bpmn", simple(script="x = " + "(" * 1000 + "1" + ")" * 1000), "deploy", "nested", note="parser recursion in an expression")
n = 700
put("long_chain.bpmn", simple(tasks=tuple((f"t{i}", f"任务{i}") for i in range(n))), "deploy", "limit", note="task chain deep enough to overflow the BPMN parser's recursion")
DMN = ('<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_check" name="检查" namespace="http://caseflow.local/test">\n'
       '  <decision id="check" name="检查">\n    <decisionTable id="dt" hitPolicy="UNIQUE">\n'
       '      <input id="i1" label="金额"><inputExpression id="ie1" typeRef="number"><text>amount</text></inputExpression></input>\n'
       '      <output id="o1" label="大额" name="big" typeRef="boolean" />\n'
       '      <rule id="r1"><inputEntry id="e1"><text>ENTRY</text></inputEntry><outputEntry id="oe1"><text>True</text></outputEntry></rule>\n'
       '    </decisionTable>\n  </decision>\n</definitions>\n')
HOST = process("t_dmn", '<bpmn:startEvent id="s" /><bpmn:businessRuleTask id="r"><bpmn:extensionElements><spiffworkflow:calledDecisionId>check</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>' + user_task("a", "看结果") + '<bpmn:endEvent id="e" />', [("f1", "s", "r"), ("f2", "r", "a"), ("f3", "a", "e")], lane_nodes=["a"])
(out / "_dmn_host.bpmn").write_text(HOST)
put("dmn_escape.dmn", DMN.replace("ENTRY", escape("().__class__.__base__")), "deploy", "__class__", bundle=["_dmn_host.bpmn"], note="decision table entry escaping the sandbox")
put("dmn_endless.dmn", DMN.replace("ENTRY", escape("len([i for i in range(10**9) for j in range(10**9)]) > 0")), "run", "limit", bundle=["_dmn_host.bpmn"], variables={"amount": 5}, note="endless decision entry")
put("endless_loop.bpmn", simple(script="x = 0\nwhile True:\n    x += 1"), "run", "time limit")
put("memory_hungry.bpmn", simple(script=escape("x = [[0] * 100000 for i in range(100000)]")), "run", "limit", note="allocates gigabytes one list at a time")
put("deep_recursion.bpmn", simple(script="def f(n):\n    return f(n + 1)\nx = f(0)"), "run", "recursion")
put("huge_power.bpmn", simple(script=escape("x = 10 ** (10 ** 10)")), "run", "size limit")
put("string_bomb.bpmn", simple(script=escape("x = 'a' * (10 ** 10)")), "run", "size limit")
(out / "MANIFEST.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
print(len(manifest))
