"""Chinese translations of "near me", typed places (address or landmark), the admin's role names
and the Chinese punctuation of plain texts built in Python (msgid -> zh_CN)."""
ZH = {
# the place field on search and match
"Address or landmark": "地址或地标",
"e.g. 江滨区, 古渡街道, 文昌路252号": "例如：江滨区、古渡街道、文昌路252号",
"A district, street or community, an address, or a clinic's name.": "区、街道或社区，地址，或机构名称。",
"Distances measured from": "计算距离的起点",
"Clear the place": "清除地点",
"your location": "您的位置",
"Used: %(place)s": "已使用：%(place)s",
"Choose the place": "选择地点",
"More places match: type more of the name or address to narrow it down.": "还有更多地点匹配：请输入更完整的名称或地址以缩小范围。",
"No district, street, community or address in the directory matches “%(text)s”. Try a district or street name, or part of an address.":
    "目录中没有与“%(text)s”相符的区、街道、社区或地址。请输入区或街道名称，或地址的一部分。",
"“%(text)s” matches several places. Choose one:": "“%(text)s”与多个地点相符，请选择一个：",
# near me
"Near me": "我附近",
"Finding your location…": "正在获取您的位置……",
"Location was not shared. Type an address or landmark instead.": "未获得位置授权。请改为输入地址或地标。",
"Your location is not available on this device. Type an address or landmark instead.": "此设备无法提供您的位置。请改为输入地址或地标。",
"Your location is filled in below as latitude and longitude.": "您的位置已填入下方的纬度和经度。",
"Near me asks your browser for your location, uses it for this search only and does not store it.":
    "“我附近”会向浏览器请求您的位置，仅用于本次搜索，不会保存。",
"Near me asks your browser for your location and puts it in the latitude and longitude fields; it is used for this match and kept no longer than the rest of the form.":
    "“我附近”会向浏览器请求您的位置并填入纬度和经度；仅用于本次匹配，保存时间不超过表单其他内容。",
}
