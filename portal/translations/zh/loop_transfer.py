"""Chinese translations of closing the loop (refer back, later referrals, the editable care plan)
and transfer criteria with the "time in current stage" report (msgid -> zh_CN)."""
ZH = {
# refer back and later referrals
"You can refer a person back only from a referral your organisation accepted, with the client's consent still valid.":
    "只有本机构已接收、且服务对象同意仍然有效的转介，才能回转或再转介。",
"Give the dates of the client's consent.": "请填写服务对象同意的日期。",
"Tell the first referrer how the later referral goes": "告知最初转介方后续转介的进展",
"Referred back and on": "回转与再转介",
"Referred back from": "回转自",
"This referral answers an earlier referral of another organisation.": "本转介是对其他机构一项早先转介的回转。",
"Later referrals made from this one": "由本转介发起的后续转介",
"Send the person back to %(org)s, or on to another service, as a new referral linked to this one. The client's consent is needed as for any referral.":
    "将服务对象转回%(org)s，或转介到其他服务：新转介与本转介相关联。与任何转介一样，需要服务对象的同意。",
"Refer back": "回转",
"Referral back to the first referring organisation": "转回最初转介机构",
"The new referral is linked to this one and follows the rules of every referral: the client's consent for the receiving organisation, the service's rules and due times. The services of %(org)s come first.":
    "新转介与本转介相关联，并遵循所有转介的规则：服务对象对接收机构的同意、服务的准入规则和处理时限。%(org)s的服务排在最前。",
"The client agrees that the first referring organisation is told how this referral goes (status and dates)":
    "服务对象同意将本转介的进展（状态和日期）告知最初转介机构",
# the care plan
"Someone else changed this referral since you opened it. Your edit was not saved: read the care plan again and make your change on the current text.":
    "您打开页面后，其他人修改了这项转介。您的修改未保存：请重新阅读照护计划，在当前内容上修改。",
"Only the sending side, or the receiving side with the client's consent to the care plan, can change the care plan.":
    "只有转出方，或取得服务对象照护计划同意的接收方，才能修改照护计划。",
"Keep the care plan under %(n)d characters.": "照护计划请控制在%(n)d字以内。",
"The care plan is unchanged.": "照护计划没有改动。",
"Care plan saved.": "照护计划已保存。",
"Edit the care plan": "修改照护计划",
"Save the care plan": "保存照护计划",
"Care plan history": "照护计划修改记录",
"(emptied)": "（已清空）",
"Care plan updated": "照护计划已更新",
# transfer criteria
"Only the sending side, or the receiving side with the client's consent, can tick transfer criteria.":
    "只有转出方，或取得服务对象同意的接收方，才能勾选转衔标准。",
"Tick only the criteria listed for this stage transition.": "请只勾选本阶段转衔所列的标准。",
"Transfer criteria met": "已达到的转衔标准",
"Transfer criteria saved.": "转衔标准已保存。",
"Transfer criteria": "转衔标准",
"%(met)d of %(all)d met": "已达到%(met)d项，共%(all)d项",
"Met: %(who)s, %(when)s": "已达到：%(who)s，%(when)s",
"Save the criteria": "保存转衔标准",
"Other criterion": "其他标准",
"From care stage": "原照护阶段",
"To care stage": "目标照护阶段",
# time in current stage
"Time in current stage": "当前阶段停留时间",
"The current stage of a person is the stage their latest connected referral moved them to, counted from the day they first attended. Only referrals you may see count.":
    "一个人的当前阶段，是其最近一次已衔接转介所转入的阶段，从首次到访之日算起。只计算您有权查看的转介。",
"Stage": "阶段",
"Stuck": "滞留",
"Stuck after": "滞留时限",
"%(num)d day": "%(num)d天",
"Nobody has a current stage yet.": "目前还没有人处于某一阶段。",
"Show everyone": "显示全部",
"Only people past the threshold (%(n)d)": "只看超过时限的人（%(n)d）",
"Since": "起始日期",
"Days in stage": "停留天数",
}
