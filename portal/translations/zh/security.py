"""Chinese translations for the security fixes (issue 13): deactivating users, password resets in
the admin, and the link rule's form message. "Email" and "New password" are in foundation.py."""
ZH = {
"Enter a web address (https://…), an email address or a phone link (tel:…).": "请填写网址（https://…）、邮箱地址或电话链接（tel:…）。",
"Deactivate": "停用",
"Deactivate the selected users? They are signed out at once.": "确定停用所选用户吗？他们将立即被退出登录。",
"Reactivate": "重新启用",
"Reset password": "重置密码",
"Give the selected users a new random password? Their sessions end.": "确定为所选用户生成新的随机密码吗？他们的登录会话将结束。",
"Give this user a new random password? Their sessions end.": "确定为此用户生成新的随机密码吗？其登录会话将结束。",
"%(n)s user(s) deactivated.": "已停用 %(n)s 个用户。",
"%(n)s user(s) reactivated.": "已重新启用 %(n)s 个用户。",
"That user does not exist.": "该用户不存在。",
"Shows a new random password once; hand it over in person. To stop someone signing in, untick \"Active\" and save.": "新的随机密码只显示一次，请当面交给用户。若要禁止某人登录，请取消勾选“Active”并保存。",
"New passwords": "新密码",
"Each password is shown only this once and is not stored anywhere readable. Hand it to its user in person; their other sessions have been signed out.": "每个密码只在此显示一次，不会以可读形式保存。请当面交给对应用户；其其他登录会话已被退出。",
"Back to the users": "返回用户列表",
}
