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

# --- issue 11: limits that cannot be switched off (CPU time and memory of the worker process) -------------
# Found by the outside review:
put("caught_timeout.bpmn", simple(script="try:\n    while True:\n        pass\nexcept Exception:\n    pass\nwhile True:\n    pass"), "run", "time limit", note="catches the limit's exception, then spins: the limit is a SIGKILL, nothing to catch")
put("c_level_sum.bpmn", simple(script=escape("x = len(sum([[0] * 1000000] * 25, []))")), "run", "limit", note="one C-level call allocating 200 MB")
put("c_level_replace.bpmn", simple(script=escape("x = len(('a' * 40000).replace('a', 'a' * 40000))")), "run", "memory limit", note="one C-level call growing the process by 1.6 GB")
put("stored_20mb_string.bpmn", simple(script=escape("x = ''.join(['a' * 1000000] * 20)")), "run", "larger than the limit", note="a 20 MB string stored as task data")
put("clock_property_escape.bpmn", simple(extra_props='<spiffworkflow:property name="startClock" value="__import__(\'os\').system(\'id\')" />'), "deploy", "__import__", note="clock directive properties are compiled at deploy")
put("clock_property_open.bpmn", simple(extra_props='<spiffworkflow:property name="stopClock" value="open(\'/etc/passwd\').read()" />'), "deploy", "open", note="stopClock escaping")
# Our own:
put("catch_everything_loop.bpmn", simple(script="while True:\n    try:\n        while True:\n            pass\n    except:\n        pass"), "run", "time limit", note="bare except around an endless loop, forever")
put("catch_memory_error.bpmn", simple(script="x = []\nwhile True:\n    try:\n        x.append('a' * 1000000)\n    except Exception:\n        pass"), "run", "limit", note="keeps allocating and swallows MemoryError")
put("c_level_endless_sum.bpmn", simple(script="x = sum(map(sum, [range(10**6)] * 10**5))"), "run", "time limit", note="an endless loop inside one C call (holds the GIL in-process)")
put("c_level_map_memory.bpmn", simple(script="x = list(map(tuple, [range(10**6)] * 100))"), "run", "limit", note="an endless allocation inside one C call")
put("recursion_caught.bpmn", simple(script="def f(n):\n    try:\n        return f(n + 1)\n    except Exception:\n        return f(n + 1)\nx = f(0)"), "run", "time limit", note="swallows RecursionError and recurses again: exponential")
put("dmn_c_level.dmn", DMN.replace("ENTRY", escape("sum(map(sum, [range(10**6)] * 10**5)) > 0")), "run", "time limit", bundle=["_dmn_host.bpmn"], variables={"amount": 5}, note="endless C call in a decision table entry")
put("condition_endless.bpmn", process("t_cond_run", '<bpmn:startEvent id="s" /><bpmn:exclusiveGateway id="g" />' + user_task("a", "下一步") + '<bpmn:endEvent id="e" />', [("f1", "s", "g"), ("f2", "g", "a", escape("sum(map(sum, [range(10**6)] * 10**5)) == 0")), ("f3", "a", "e")], lane_nodes=["a"]), "run", "time limit", note="endless gateway condition")
put("property_endless.bpmn", simple(extra_props='<spiffworkflow:property name="summary" value="str(sum(map(sum, [range(10**6)] * 10**5)))" />'), "run", "time limit", note="endless task-property expression")
put("timer_memory.bpmn", process("t_timer_run", '<bpmn:startEvent id="s" /><bpmn:intermediateCatchEvent id="t"><bpmn:timerEventDefinition><bpmn:timeDate>str(len(list(map(tuple, [range(10**6)] * 100))))</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>' + user_task("a", "下一步") + '<bpmn:endEvent id="e" />', [("f1", "s", "t"), ("f2", "t", "a"), ("f3", "a", "e")], lane_nodes=["a"]), "run", "limit", note="timer expression exhausting memory")
put("result_reserved_key.bpmn", simple(script="x = {'typename': 'nope'}"), "run", "reserved", note="a script writing the serializer's reserved key (would make the instance unloadable)")
put("result_not_data.bpmn", simple(script="x = range(3)"), "run", "cannot be task data", note="a value the state cannot store")
put("result_cycle.bpmn", simple(script="x = {}\nx['self'] = x"), "run", "nested deeper", note="a self-referencing structure")
put("result_shared_explosion.bpmn", simple(script=escape("a = [0] * 1000\nb = [a] * 1000\nc = [b] * 1000")), "run", "larger than the limit", note="small in memory, 10**9 items once stored")
put("result_total_too_large.bpmn", simple(script=escape("a = 'a' * 200000\nb = a + 'b'\nc = a + 'c'\nd = a + 'd'\ne = a + 'e'\nf = a + 'f'")), "run", "larger than the limit", note="each value fits, the task data does not")
put("huge_exception_message.bpmn", simple(script=escape("raise ValueError('x' * 900000)")), "run", "ValueError", note="an exception too large to carry whole")
put("result_nul.bpmn", simple(script="x = 'a' + chr(0)"), "run", "NUL", note="text the database cannot store")
put("result_nan.bpmn", simple(script="x = float('nan')"), "run", "not finite", note="a number JSON cannot carry")
put("result_int_keys.bpmn", simple(script="x = {1: 'a'}"), "run", "keys must be text", note="an object JSON cannot carry")
put("start_variables_typename.bpmn", simple(pid="t_vars"), "run", "reserved", variables={"v": {"typename": "nope"}}, note="start variables with the serializer's reserved key (the instance used to become unloadable)")
put("start_variables_nested_typename.bpmn", simple(pid="t_vars2"), "run", "reserved", variables={"v": [{"a": {"typename": "datetime", "value": "soon"}}]}, note="the reserved key deep inside start variables")
(out / "MANIFEST.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
print(len(manifest))
