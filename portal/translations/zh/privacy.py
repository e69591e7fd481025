"""Chinese translations of the privacy area's messages (msgid -> zh_CN): consent withdrawn while a
referral is under way (portal/referrals/clients.py)."""
ZH = {
"The client withdrew consent: the referral can only be closed now.": "服务对象已撤回同意：此转介现在只能关闭。",
"The client withdrew consent: no notes can be recorded about them.": "服务对象已撤回同意：不能再记录关于其的备注。",
}
