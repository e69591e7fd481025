"""Chinese translations of the public pages' truthful statuses, grouped hours, crisis banner, map
links, shared resource lists and short text (msgid -> zh_CN)."""
ZH = {
# capacity of a service that is not running
"Not taking new clients while paused": "暂停期间不接收新服务对象",
"Not taking new clients": "不接收新服务对象",
# visibility
"Inactive: hidden from the public lists, shown to staff only.": "已停用：公众列表中不显示，仅工作人员可见。",
"Inactive (shown to staff only)": "已停用（仅工作人员可见）",
# grouped hours
"Mon": "周一",
"Tue": "周二",
"Wed": "周三",
"Thu": "周四",
"Fri": "周五",
"Sat": "周六",
"Sun": "周日",
"{first}–{last}": "{first}至{last}",
"{first}, {second}": "{first}、{second}",
"Every day": "每天",
"24 hours": "24 小时",
"Open 24 hours": "24 小时开放",
"closed": "休息",
# map links
"Open in map app": "在地图应用中打开",
"Show on a map": "在网页地图上查看",
# crisis banner
"Help in a crisis": "危机求助",
"In a crisis, call now:": "遇到危机，请立即拨打：",
"Police": "报警",
"Ambulance": "急救",
# shared list and short text
"Share as a link": "以链接分享",
"Anyone with this link can see these services until %(date)s. It holds no details about the person it is for.": "任何拿到此链接的人在 %(date)s 之前都能查看这些服务。链接中不含服务对象的任何信息。",
"Copy link": "复制链接",
"Make a link to a read-only page with these services, to send instead of a long message.": "生成一个只读页面的链接，发送链接即可，不必发一长段文字。",
"Short text": "短信版",
"Name, phone and a short address: one text message per service.": "名称、电话和简短地址：每个服务一条短信的长度。",
"Copy short text": "复制短信版",
"Add services to the list before sharing it.": "请先把服务加入资源对接卡，再分享。",
"This shared list has expired or does not exist. Ask the person who sent it for a new one, or search the directory.": "此分享列表已过期或不存在。请向发送者索取新链接，或直接搜索服务目录。",
"Someone shared these services with you. Call before you go: hours and places can change. This page works until %(date)s.": "有人与您分享了这些服务。前往前请先打电话确认：时间和地点可能有变。此页面在 %(date)s 之前有效。",
"None of these services is offered any more.": "这些服务均已不再提供。",
}
