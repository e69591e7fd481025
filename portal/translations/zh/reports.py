"""Chinese for the reports domain (dashboard, CSV export headings)."""
ZH = {
"(%(km)s km)": "（%(km)s 公里）",
"Start date": "开始日期",
"End date": "结束日期",
"Referral ID": "转介编号",
"Client code": "服务对象编号",
"Referring organisation": "转出机构",
"Sent on": "发送时间",
"Acknowledged on": "确认收到时间",
"Accepted on": "接受时间",
"Connected on": "衔接时间",
"Closed on": "结案时间",
"Reason for declining": "拒绝原因",
"Declined by": "拒绝方",
"Reason not connected": "未衔接原因",
}
