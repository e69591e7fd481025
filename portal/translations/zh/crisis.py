"""Chinese translations of the crisis path (issue 16): the emergency urgency in hours, the risk flag
on clients and referrals, after-hours phones, crisis lines first in matching (msgid -> zh_CN)."""
ZH = {
# emergency urgency
"Emergency (hours)": "危急（按小时计）",
# risk flag
"At risk": "有风险",
"At risk only": "仅有风险的",
"Risk": "风险",
"At risk now.": "当事人现有风险。",
"Not marked at risk.": "未标记为有风险。",
"Marked at risk": "已标记为有风险",
"Risk flag cleared": "已解除风险标记",
"Risk flag cleared.": "已解除风险标记。",
"Mark at risk now": "标记为现有风险",
"Clear the risk flag": "解除风险标记",
"Marked at risk: crisis services come first and the receivers see the flag.":
    "已标记为有风险：危机服务优先，接收机构可看到此标记。",
"Only staff of the organisation that recorded the client can set or clear the risk flag.":
    "只有登记该服务对象的机构的工作人员可以标记或解除风险。",
"New referrals for this person start as emergencies, and matching puts crisis lines and services open 24 hours first.":
    "为此人新建的转介默认为危急，服务匹配时危机热线和24小时开放的服务排在最前。",
"The sending worker judged the person at risk (self-harm, violence or overdose). Act on this referral first; outside opening hours use the crisis lines.":
    "转出方工作人员判断当事人现有风险（自伤、暴力或过量用药）。请优先处理此转介；非办公时间请使用危机热线。",
# after-hours contact
"After-hours contact": "非办公时间联系电话",
"After-hours phone": "非办公时间电话",
"A duty phone or crisis line that answers at night and at weekends.": "夜间和周末有人接听的值班电话或危机热线。",
# matching
"crisis line": "危机热线",
"At risk now (self-harm, violence, overdose)": "现有风险（自伤、暴力、过量用药）",
"Crisis lines and services open 24 hours come first.": "危机热线和24小时开放的服务排在最前。",
}
