"""Chinese translations of the JSON API's messages (msgid -> zh_CN): the per-field validation
messages of portal/api/contract.py and the referral endpoints. Strings already in another
domain's table ("Unknown field: %(name)s.", "Send a JSON object.") are not repeated here."""
ZH = {
"At least %(n)s items.": "至少 %(n)s 项。",
"At most %(n)s characters.": "最多 %(n)s 个字符。",
"At most %(n)s items.": "最多 %(n)s 项。",
"Give a date as YYYY-MM-DD.": "请按 YYYY-MM-DD 格式填写日期。",
"Give each item once.": "每项只能出现一次。",
"Must be at least %(n)s.": "不能小于 %(n)s。",
"No such client of your organisation.": "本机构没有这个服务对象。",
"Must be at most %(n)s.": "不能大于 %(n)s。",
"Must be more than %(n)s.": "必须大于 %(n)s。",
"Must not be empty.": "不能为空。",
"NUL characters are not allowed.": "不允许包含 NUL 字符。",
"Not a valid value.": "取值无效。",
"Required.": "必填。",
"Some fields are not valid.": "部分字段无效。",
"The JSON is nested too deeply.": "JSON 嵌套层数过多。",
"The request body is too large.": "请求内容过大。",
"Unknown code: %(value)s.": "未知代码：%(value)s。",
"Wrong type: give %(expected)s.": "类型错误：应为 %(expected)s。",
}
