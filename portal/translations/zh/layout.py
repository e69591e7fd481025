"""Chinese translations of the page frame: the compact header, its menu and the skip link (msgid -> zh_CN)."""
ZH = {
"Change the needs": "修改需求",
"Menu": "菜单",
"Skip to content": "跳到正文",
}
