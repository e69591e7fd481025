"""The fictional city of the demo data: 江澜市 / Jianglan, its districts, streets (街道), some
communities (社区) and the roads used in addresses. Input of ``seed/generate.py`` only.

Centroids are made up but valid, around 30.55N 114.30E, districts spread over ~30 km. 凤岭区
(Fengling, JL-11) lies on the south-eastern edge on purpose: it has no methadone clinic, so matching
has an "unmet nearby" case (the nearest clinic is 13–17 km away).
"""

CITY = {"code": "JL", "name_zh": "江澜市", "name_en": "Jianglan", "lat": 30.5500, "lon": 114.3000}

# The district without any methadone maintenance service (see module docstring and tests).
DISTRICT_WITHOUT_METHADONE = "JL-11"

# (code suffix, name_zh, name_en, lat, lon, [(street name_zh, street name_en, [communities])])
# Communities are (name_zh, name_en). English names are hand-written pinyin (no polyphone guessing).
DISTRICTS = [
    ("01", "江滨区", "Jiangbin District", 30.5850, 114.2920, [
        ("古渡街道", "Gudu Subdistrict", [("渡口社区", "Dukou Community"), ("青石巷社区", "Qingshixiang Community"), ("望江社区", "Wangjiang Community")]),
        ("花楼街道", "Hualou Subdistrict", [("锦里社区", "Jinli Community"), ("福安社区", "Fu'an Community")]),
        ("滨江街道", "Binjiang Subdistrict", []),
        ("民乐街道", "Minle Subdistrict", [("和顺社区", "Heshun Community"), ("新民社区", "Xinmin Community")]),
    ]),
    ("02", "青湖区", "Qinghu District", 30.5480, 114.3520, [
        ("湖滨街道", "Hubin Subdistrict", [("荷香社区", "Hexiang Community"), ("湖光社区", "Huguang Community")]),
        ("荷塘街道", "Hetang Subdistrict", []),
        ("月湾街道", "Yuewan Subdistrict", [("弯月社区", "Wanyue Community"), ("渔歌社区", "Yuge Community")]),
        ("樱园街道", "Yingyuan Subdistrict", []),
    ]),
    ("03", "望山区", "Wangshan District", 30.5120, 114.2510, [
        ("望山街道", "Wangshan Subdistrict", [("山前社区", "Shanqian Community"), ("映翠社区", "Yingcui Community")]),
        ("松林街道", "Songlin Subdistrict", []),
        ("石门街道", "Shimen Subdistrict", [("石门里社区", "Shimenli Community"), ("泉水社区", "Quanshui Community")]),
        ("翠微街道", "Cuiwei Subdistrict", []),
        ("鹿鸣街道", "Luming Subdistrict", [("鹿苑社区", "Luyuan Community")]),
    ]),
    ("04", "柳塘区", "Liutang District", 30.6200, 114.3380, [
        ("柳塘街道", "Liutang Subdistrict", [("垂柳社区", "Chuiliu Community"), ("塘边社区", "Tangbian Community")]),
        ("杏花街道", "Xinghua Subdistrict", [("杏林社区", "Xinglin Community")]),
        ("双桥街道", "Shuangqiao Subdistrict", []),
    ]),
    ("05", "金沙区", "Jinsha District", 30.6550, 114.2150, [
        ("金沙街道", "Jinsha Subdistrict", [("金港社区", "Jingang Community"), ("沙湾社区", "Shawan Community")]),
        ("沙洲街道", "Shazhou Subdistrict", []),
        ("银杏街道", "Yinxing Subdistrict", [("杏坛社区", "Xingtan Community"), ("秋实社区", "Qiushi Community")]),
        ("新港街道", "Xingang Subdistrict", []),
    ]),
    ("06", "云台区", "Yuntai District", 30.6020, 114.3980, [
        ("云台街道", "Yuntai Subdistrict", [("云岫社区", "Yunxiu Community"), ("台北社区", "Taibei Community")]),
        ("观澜街道", "Guanlan Subdistrict", [("听涛社区", "Tingtao Community")]),
        ("紫竹街道", "Zizhu Subdistrict", []),
    ]),
    ("07", "白鹭区", "Bailu District", 30.4780, 114.3300, [
        ("白鹭洲街道", "Bailuzhou Subdistrict", [("鹭岛社区", "Ludao Community"), ("洲头社区", "Zhoutou Community")]),
        ("芦花街道", "Luhua Subdistrict", []),
        ("苇湾街道", "Weiwan Subdistrict", [("苇岸社区", "Wei'an Community")]),
        ("鸥岛街道", "Oudao Subdistrict", []),
    ]),
    ("08", "桐林区", "Tonglin District", 30.5600, 114.1800, [
        ("桐林街道", "Tonglin Subdistrict", [("桐荫社区", "Tongyin Community"), ("林语社区", "Linyu Community")]),
        ("梧桐街道", "Wutong Subdistrict", []),
        ("枫桥街道", "Fengqiao Subdistrict", [("枫林社区", "Fenglin Community"), ("桥东社区", "Qiaodong Community")]),
        ("茶岭街道", "Chaling Subdistrict", []),
    ]),
    ("09", "石桥区", "Shiqiao District", 30.4550, 114.2250, [
        ("石桥街道", "Shiqiao Subdistrict", [("桥西社区", "Qiaoxi Community"), ("石板社区", "Shiban Community")]),
        ("马场街道", "Machang Subdistrict", []),
        ("稻香街道", "Daoxiang Subdistrict", [("稻田社区", "Daotian Community")]),
    ]),
    ("10", "东港区", "Donggang District", 30.6600, 114.4300, [
        ("东港街道", "Donggang Subdistrict", [("港湾社区", "Gangwan Community"), ("东汇社区", "Donghui Community")]),
        ("码头街道", "Matou Subdistrict", []),
        ("船厂街道", "Chuanchang Subdistrict", [("船坞社区", "Chuanwu Community")]),
        ("海棠街道", "Haitang Subdistrict", []),
    ]),
    ("11", "凤岭区", "Fengling District", 30.4150, 114.4550, [
        ("凤岭街道", "Fengling Subdistrict", [("凤鸣社区", "Fengming Community"), ("岭南社区", "Lingnan Community")]),
        ("竹溪街道", "Zhuxi Subdistrict", []),
        ("栗园街道", "Liyuan Subdistrict", [("栗香社区", "Lixiang Community")]),
        ("桃源街道", "Taoyuan Subdistrict", []),
    ]),
]

# Roads used in fictional addresses: (name_zh, name_en). Each street gets two of them.
ROADS = [
    ("文昌路", "Wenchang Road"), ("兴业路", "Xingye Road"), ("青石街", "Qingshi Street"),
    ("江汉大道", "Jianghan Avenue"), ("花园路", "Huayuan Road"), ("长堤街", "Changdi Street"),
    ("临湖路", "Linhu Road"), ("荷风路", "Hefeng Road"), ("月华街", "Yuehua Street"),
    ("樱花大道", "Yinghua Avenue"), ("枕湖路", "Zhenhu Road"), ("听泉路", "Tingquan Road"),
    ("松风路", "Songfeng Road"), ("石门路", "Shimen Road"), ("翠峰街", "Cuifeng Street"),
    ("鹿溪路", "Luxi Road"), ("柳荫路", "Liuyin Road"), ("杏坛路", "Xingtan Road"),
    ("双桥街", "Shuangqiao Street"), ("塘西路", "Tangxi Road"), ("金港大道", "Jingang Avenue"),
    ("沙洲路", "Shazhou Road"), ("银杏路", "Yinxing Road"), ("新港一路", "Xingang 1st Road"),
    ("云台路", "Yuntai Road"), ("观澜大道", "Guanlan Avenue"), ("紫竹路", "Zizhu Road"),
    ("望海街", "Wanghai Street"), ("白鹭路", "Bailu Road"), ("芦苇街", "Luwei Street"),
    ("鸥鸣路", "Ouming Road"), ("湾畔路", "Wanpan Road"), ("桐荫路", "Tongyin Road"),
    ("梧桐大道", "Wutong Avenue"), ("枫林路", "Fenglin Road"), ("茶园街", "Chayuan Street"),
    ("石板路", "Shiban Road"), ("马场路", "Machang Road"), ("稻香街", "Daoxiang Street"),
    ("东汇路", "Donghui Road"), ("港前街", "Gangqian Street"), ("船坞路", "Chuanwu Road"),
    ("海棠路", "Haitang Road"), ("凤翔路", "Fengxiang Road"), ("竹溪街", "Zhuxi Street"),
    ("栗林路", "Lilin Road"), ("桃源大道", "Taoyuan Avenue"), ("和平里", "Hepingli Lane"),
    ("民生路", "Minsheng Road"), ("光明街", "Guangming Street"), ("友谊路", "Youyi Road"),
    ("建设路", "Jianshe Road"), ("朝阳街", "Zhaoyang Street"), ("新华路", "Xinhua Road"),
    ("复兴路", "Fuxing Road"), ("福寿街", "Fushou Street"), ("安康路", "Ankang Road"),
    ("丰收路", "Fengshou Road"), ("育才路", "Yucai Road"), ("工农路", "Gongnong Road"),
    ("春晓路", "Chunxiao Road"), ("秋实街", "Qiushi Street"), ("晴川路", "Qingchuan Road"),
    ("芳草街", "Fangcao Street"), ("翰林路", "Hanlin Road"), ("明珠路", "Mingzhu Road"),
    ("锦绣大道", "Jinxiu Avenue"), ("如意街", "Ruyi Street"), ("平安路", "Ping'an Road"),
    ("吉祥路", "Jixiang Road"), ("启航路", "Qihang Road"), ("滨湖街", "Binhu Street"),
    ("映山路", "Yingshan Road"), ("流芳街", "Liufang Street"), ("凌云路", "Lingyun Road"),
    ("清风路", "Qingfeng Road"), ("望月街", "Wangyue Street"), ("知音路", "Zhiyin Road"),
    ("琴台路", "Qintai Road"), ("书院街", "Shuyuan Street"), ("桂花路", "Guihua Road"),
    ("梅园路", "Meiyuan Road"), ("兰亭街", "Lanting Street"), ("菊香路", "Juxiang Road"),
]

# Metro lines exist only in the inner districts (a detail that makes transport text plausible).
METRO_DISTRICTS = {"01", "02", "03", "04", "05", "06", "08"}
