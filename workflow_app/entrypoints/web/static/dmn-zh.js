// dmn-js's own words in Chinese, for the decision-table editor of a page in Chinese (docs/workspace.md
// "Editing"). dmn-js passes every text of its UI through its `translate` service; texts not listed here stay
// as dmn-js writes them.
const WORDS = {
  "Hit policy": "命中策略", "Hit policy:": "命中策略：", "When": "当", "And": "且", "Then": "则",
  "Annotation": "备注", "Annotations": "备注",
  "Add rule": "添加规则", "Add rule above": "在上方添加规则", "Add rule below": "在下方添加规则",
  "Remove rule": "删除规则", "Copy rule": "复制规则", "Cut rule": "剪切规则", "Move rule": "移动规则",
  "Paste rule above": "粘贴到上方", "Paste rule below": "粘贴到下方",
  "Add input": "添加输入", "Add output": "添加输出",
  "Add input column left": "在左侧添加输入列", "Add input column right": "在右侧添加输入列",
  "Add output column left": "在左侧添加输出列", "Add output column right": "在右侧添加输出列",
  "Remove input column": "删除输入列", "Remove output column": "删除输出列",
  "Copy input column": "复制输入列", "Copy output column": "复制输出列",
  "Cut input column": "剪切输入列", "Cut output column": "剪切输出列",
  "Paste input column left": "粘贴到左侧", "Paste input column right": "粘贴到右侧",
  "Paste output column left": "粘贴到左侧", "Paste output column right": "粘贴到右侧",
  "Input": "输入", "Output": "输出", "Input label": "输入名称", "Input label: ": "输入名称：",
  "Input expression": "输入表达式", "Input expression: ": "输入表达式：", "Output label": "输出名称",
  "Output label: ": "输出名称：", "Output name": "输出变量", "Output name: ": "输出变量：",
  "Input type": "输入类型", "Output type": "输出类型", "Type": "类型", "Change type": "更改类型",
  "Expression language": "表达式语言", "Expression language:": "表达式语言：", "Expression": "表达式",
  "Enter expression": "输入表达式", "Predefined values": "预设取值", "Add predefined values": "添加预设取值",
  "Clear predefined values": "清除预设取值", "Custom values": "自定义取值", "Add values": "添加取值",
  "No values": "无取值", "Values": "取值", "Value": "值", "Set value": "设置值",
  "Add cell description": "添加单元格说明", "Remove cell description": "删除单元格说明",
  "Edit string": "编辑文本", "Edit number": "编辑数值", "Edit boolean": "编辑布尔值", "Edit date": "编辑日期",
  "Edit date and time": "编辑日期时间", "Edit time": "编辑时间", "Edit duration": "编辑时长", "Edit": "编辑",
  "String value": "文本值", "Boolean value": "布尔值", "Date value": "日期值", "Time value": "时间值",
  "Duration value": "时长值", "Date and time value": "日期时间值",
  "Strings must be in double quotes": "文本须放在英文双引号内", "Match one": "匹配其一", "Match none": "都不匹配",
  "Include": "包含", "Exclude": "排除", "Equals": "等于", "Less": "小于", "Less or equals": "小于等于",
  "Greater": "大于", "Greater or equals": "大于等于", "Range": "区间", "Comparison": "比较",
  "Yes": "是", "No": "否", "Delete": "删除", "Resize": "调整大小", "Decision name": "决策名称",
  "Decision name: ": "决策名称：", "Literal expression": "字面表达式", "Variable name": "变量名",
  "Variable name:": "变量名：", "Variable type": "变量类型", "Variable type:": "变量类型：", "View DRD": "查看决策关系图",
};

/** A dmn-js module whose `translate` answers in Chinese when ``chinese`` is true. */
export function translateModule(chinese) {
  const translate = (template, replacements = {}) =>
    ((chinese && WORDS[template]) || template).replace(/{([^}]+)}/g, (all, key) => replacements[key] ?? all);
  return {translate: ["value", translate]};
}
