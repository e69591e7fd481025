"""Generate the demo data files in seed/data/ from the templates in this package.

    .venv/bin/python -m seed.generate          # rewrite seed/data/{areas,organizations,services}.json
    .venv/bin/python -m seed.generate --check  # fail if the committed files differ from a fresh run

The output is deterministic (fixed random seed): the same templates always give the same files, so a
change to a template shows up as a reviewable diff of the data. The portal's own vocabularies
(``portal/vocab/data/vocabularies.json``, part of the product, written by hand) are only read here,
to check that every code used exists.

Dates are stored relative to the day of loading (``verified_days_ago`` …), so staleness in a demo
database stays realistic whenever it is loaded.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .geography import CITY, DISTRICT_WITHOUT_METHADONE, DISTRICTS, METRO_DISTRICTS, ROADS
from .org_kinds import (
    CHC_STREETS,
    DPF_STATIONS,
    DRUG_SW_STREETS,
    ELDERLY_CENTRES,
    JOB_CENTRES,
    KINDS,
    MMT_CLINICS,
    NGOS,
    SINGLES,
    STREET_SW_STATIONS,
)
from .service_templates import DOCUMENTS, SCHEDULES, TEMPLATES

SEED = 20260123
DATA_DIR = Path(__file__).parent / "data"
STALE_SHARE = 0.2  # share of services last verified more than 180 days ago
STALE_AFTER_DAYS = 180

LANGUAGE_NAMES = {"zh": "普通话", "en": "英语", "yue": "粤语", "ug": "维吾尔语", "bo": "藏语", "csl": "中国手语"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严覃武戴莫孔向汤"
GIVEN = "晓静敏丽华强军平芳燕霞红玲婷雪慧佳欣怡宇浩然涛磊鹏洁琳颖倩瑶晨阳峰毅辉健斌文博思远雨萱梓涵子轩诗可心蕾俊杰志明海云莉娟秀英兰凤丹亮超勇伟刚建国庆春秋冬梅竹松柏"

CAPACITY_NOTES = [
    "本周三下午评估医生外出学习，新转介请安排在周四以后。",
    "床位紧张，优先接收社区戒毒人员和出院衔接对象。",
    "转介前请先电话确认名额，避免服务对象白跑一趟。",
    "本月已接收转介6例，另有3例在评估中。",
    "女性床位仅剩1张。",
    "候补名单按转介日期排序，紧急个案可联系负责人加急。",
    "暂停接收外区转介至月底。",
    "服务对象暂无身份证的，可先凭派出所证明办理。",
    "人手不足，周五场次可能取消，请提前确认。",
    "春节前后两周服务时间调整，请以电话确认为准。",
    "需家属同行的个案请提前告知，以便安排接待。",
    "新入组评估每天限6人。",
    "接收能力以工作日上午电话确认为准，系统数字每周一更新。",
]

ACCESSIBILITY = [
    ("入口设无障碍坡道，一楼接待，设无障碍卫生间。", "Step-free entrance with a ramp, ground-floor reception and an accessible toilet."),
    ("有电梯直达，轮椅可通行。", "Lift access; wheelchair accessible."),
    ("服务点位于二楼，暂无电梯；行动不便者可预约在一楼接待室服务。", "Second floor without a lift; a ground-floor room can be booked."),
    ("可预约手语翻译，门前设盲道。", "Sign-language interpreting on request; tactile paving at the entrance."),
    ("门口设临时停车位，方便家属接送。", "Drop-off parking at the entrance."),
]

INTERPRETATION = {
    "en": "工作日上午可提供英语服务。",
    "yue": "有会讲粤语的工作人员。",
    "ug": "可预约维吾尔语翻译（请提前1天）。",
    "bo": "可预约藏语翻译（请提前1天）。",
    "csl": "可预约手语翻译（请提前3天）。",
}


@dataclass
class Street:
    code: str
    name_zh: str
    name_en: str
    lat: float
    lon: float
    roads: list[tuple[str, str]]
    district: "District" = None


@dataclass
class District:
    code: str
    suffix: str
    name_zh: str
    name_en: str
    lat: float
    lon: float
    streets: list[Street] = field(default_factory=list)


# --- areas ---------------------------------------------------------------------------------------


def build_areas(rng: random.Random) -> tuple[list[dict], dict[str, District]]:
    rows = [_area(CITY["code"], CITY["name_zh"], CITY["name_en"], "city", None, CITY["lat"], CITY["lon"])]
    districts: dict[str, District] = {}
    road_iter = iter(ROADS)
    for suffix, name_zh, name_en, lat, lon, streets in DISTRICTS:
        code = f"{CITY['code']}-{suffix}"
        district = District(code, suffix, name_zh, name_en, lat, lon)
        districts[suffix] = district
        rows.append(_area(code, name_zh, name_en, "district", CITY["code"], lat, lon))
        for i, (s_zh, s_en, communities) in enumerate(streets, start=1):
            s_code = f"{code}-{i:02d}"
            # Streets lie within ~3 km of their district's centroid.
            s_lat, s_lon = _jitter(rng, lat, lon, 0.025)
            street = Street(s_code, s_zh, s_en, s_lat, s_lon, [next(road_iter), next(road_iter)], district)
            district.streets.append(street)
            rows.append(_area(s_code, s_zh, s_en, "street", code, s_lat, s_lon))
            for j, (c_zh, c_en) in enumerate(communities, start=1):
                c_lat, c_lon = _jitter(rng, s_lat, s_lon, 0.006)
                rows.append(_area(f"{s_code}-{j:02d}", c_zh, c_en, "community", s_code, c_lat, c_lon))
    return rows, districts


def _area(code, name_zh, name_en, level, parent, lat, lon) -> dict:
    return {"code": code, "name_zh": name_zh, "name_en": name_en, "level": level, "parent": parent,
            "latitude": round(lat, 6), "longitude": round(lon, 6)}


def _jitter(rng: random.Random, lat: float, lon: float, spread: float) -> tuple[float, float]:
    return round(lat + rng.uniform(-spread, spread), 6), round(lon + rng.uniform(-spread, spread), 6)


# --- organisations --------------------------------------------------------------------------------


@dataclass
class OrgSpec:
    key: str
    kind: str
    street: Street
    name_zh: str
    name_en: str | None
    alternate_name: str | None = None
    branches: list[Street] = field(default_factory=list)
    services: list | None = None  # template keys; None: the kind's list
    description_zh: str | None = None
    description_en: str | None = None
    legal_status: str | None = None
    host: str | None = None


def org_specs(districts: dict[str, District]) -> list[OrgSpec]:
    """Every organisation of the demo, in a fixed order."""

    def street(d: str, s: int) -> Street:
        return districts[d].streets[s]

    specs: list[OrgSpec] = []
    for d, s, name_zh, name_en, alt, branches, host in MMT_CLINICS:
        specs.append(OrgSpec(f"mmt-{_slug(districts[d])}", "mmt", street(d, s), name_zh, name_en, alt,
                             [street(*b) for b in branches], host=host))
    for d, s in CHC_STREETS:
        st = street(d, s)
        short = st.name_zh.removesuffix("街道")
        specs.append(OrgSpec(f"chc-{_slug(districts[d])}", "chc", st,
                             f"{districts[d].name_zh}{st.name_zh}社区卫生服务中心",
                             f"{st.name_en.removesuffix(' Subdistrict')} Community Health Service Center" if int(d) % 2 else None,
                             f"{short}社区医院"))
    for d, s, name_zh, name_en in DPF_STATIONS:
        specs.append(OrgSpec(f"dpf-rehab-{_slug(districts[d])}", "dpf_rehab_station", street(d, s), name_zh, name_en))
    for d, s in DRUG_SW_STREETS:
        dist = districts[d]
        specs.append(OrgSpec(f"drug-sw-{_slug(dist)}", "drug_sw_station", street(d, s),
                             f"江澜市{dist.name_zh}禁毒社会工作服务站",
                             f"{dist.name_en} Drug Social Work Station" if int(d) % 3 != 0 else None,
                             f"{dist.name_zh.removesuffix('区')}禁毒社工站"))
    for d, s in ELDERLY_CENTRES:
        st = street(d, s)
        specs.append(OrgSpec(f"elderly-{_slug(districts[d])}", "elderly_centre", st,
                             f"{districts[d].name_zh}{st.name_zh}综合养老服务中心",
                             f"{st.name_en.removesuffix(' Subdistrict')} Elderly Care Centre" if d in {"01", "07"} else None))
    for d, s in STREET_SW_STATIONS:
        st = street(d, s)
        specs.append(OrgSpec(f"street-sw-{_slug(districts[d])}", "street_sw_station", st,
                             f"{districts[d].name_zh}{st.name_zh}社会工作服务站", None))
    for d, s in JOB_CENTRES:
        dist = districts[d]
        specs.append(OrgSpec(f"jobs-{_slug(dist)}", "job_centre", street(d, s), f"{dist.name_zh}公共就业服务中心",
                             f"{dist.name_en} Public Employment Service Center" if d != "05" else None))
    for key, (kind, d, s, name_zh, name_en, alt, branches, services) in SINGLES.items():
        specs.append(OrgSpec(key, kind, street(d, s), name_zh, name_en, alt, [street(*b) for b in branches], services))
    for key, (kind, d, s, name_zh, name_en, alt, branches, services, desc_zh, desc_en, legal) in NGOS.items():
        specs.append(OrgSpec(key, kind, street(d, s), name_zh, name_en, alt, [street(*b) for b in branches],
                             services, desc_zh, desc_en, legal))
    return specs


def _slug(district: District) -> str:
    return district.name_en.split()[0].lower()


class Numbers:
    """Fictional phone numbers. Local numbers in China never start with 0 (it is the trunk prefix),
    so ``027-0xxx-xxxx`` cannot reach a real line, yet reads like a local number."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def block(self) -> str:
        while True:
            block = f"0{self.rng.randint(100, 999)}"
            if block not in self.used:
                self.used.add(block)
                return block

    def number(self, block: str) -> str:
        while True:
            number = f"027-{block}-{self.rng.randint(1000, 9999)}"
            if number not in self.used:
                self.used.add(number)
                return number


class Builder:
    """Turns specs and templates into the plain dicts written to seed/data/."""

    def __init__(self, rng: random.Random, districts: dict[str, District]):
        self.rng = rng
        self.districts = districts
        self.numbers = Numbers(rng)
        self.house_numbers: set[tuple[str, int]] = set()

    # organisations

    def organization(self, spec: OrgSpec) -> dict:
        kind = KINDS[spec.kind]
        fill = self._fill(spec, spec.street)
        desc_zh = spec.description_zh or self.rng.choice(kind["desc_zh"]).format(**fill)
        desc_en = None
        if spec.name_en:
            desc_en = spec.description_en or kind["desc_en"].format(**fill)
        domain = f"{spec.key}.example.org"
        block = self.numbers.block()
        org = {
            "key": spec.key,
            "kind": spec.kind,
            "department": kind["department"],
            "name_zh": spec.name_zh,
            "name_en": spec.name_en,
            "alternate_name": spec.alternate_name,
            "description_zh": desc_zh,
            "description_en": desc_en,
            "legal_status": spec.legal_status or kind["legal_status"],
            "email": f"info@{domain}",
            "website": f"https://{domain}" if self.rng.random() < 0.65 else None,
            "verified_days_ago": self.rng.randint(0, 300),
            "phones": [{"number": self.numbers.number(block), "type": "voice", "description": "总机/办公室"}],
            "locations": [],
            "_block": block,
        }
        if kind["department"] in {"health", "justice", "civil_affairs"} and self.rng.random() < 0.4:
            org["phones"].append({"number": self.numbers.number(block), "type": "fax", "description": "传真"})
        org["locations"].append(self.location(spec, spec.street, main=True, block=block))
        for branch in spec.branches:
            org["locations"].append(self.location(spec, branch, main=False, block=block))
        return org

    def location(self, spec: OrgSpec, street: Street, main: bool, block: str) -> dict:
        rng = self.rng
        road_zh, road_en = rng.choice(street.roads)
        number = self._house_number(road_zh)
        district = street.district
        suffix = "" if main else f"-{street.code.lower()}"
        if main:
            name_zh, name_en = spec.name_zh, spec.name_en
        elif spec.kind == "mmt":
            name_zh, name_en = f"{district.name_zh}美沙酮延伸服药点", f"{district.name_en} methadone dispensing point"
        else:
            short = spec.alternate_name or spec.name_zh
            name_zh = f"{short}（{street.name_zh.removesuffix('街道')}服务点）"
            name_en = f"{spec.name_en} ({street.name_en.removesuffix(' Subdistrict')} site)" if spec.name_en else None
        lat, lon = _jitter(rng, street.lat, street.lon, 0.004)
        location = {
            "key": f"{spec.key}{suffix}",
            "type": "physical",
            "name_zh": name_zh,
            "name_en": name_en,
            "address_zh": f"{CITY['name_zh']}{district.name_zh}{street.name_zh}{road_zh}{number}号",
            "address_en": (f"No. {number} {road_en}, {street.name_en}, {district.name_en}, {CITY['name_en']}"
                           if rng.random() < 0.5 else None),
            "postal_code": f"4{district.suffix}{rng.randint(100, 999)}"[:6],
            "area": street.code,
            "latitude": lat,
            "longitude": lon,
            **self._transport(street, road_zh, road_en),
            "accessibility_zh": None,
            "accessibility_en": None,
            "phones": [],
        }
        if rng.random() < 0.55:
            location["accessibility_zh"], location["accessibility_en"] = rng.choice(ACCESSIBILITY)
        if not main:
            location["phones"].append({"number": self.numbers.number(block), "type": "voice", "description": "服务点电话"})
        return location

    def virtual_location(self, org: dict) -> dict:
        existing = [loc for loc in org["locations"] if loc["type"] == "virtual"]
        if existing:
            return existing[0]
        location = {"key": f"{org['key']}-online", "type": "virtual", "name_zh": "线上服务平台",
                    "name_en": "Online service", "address_zh": None, "address_en": None, "postal_code": None,
                    "area": None, "latitude": None, "longitude": None, "transportation_zh": None,
                    "transportation_en": None, "accessibility_zh": None, "accessibility_en": None, "phones": []}
        org["locations"].append(location)
        return location

    def _house_number(self, road: str) -> int:
        while True:
            number = self.rng.randint(1, 388)
            if (road, number) not in self.house_numbers:
                self.house_numbers.add((road, number))
                return number

    def _transport(self, street: Street, road_zh: str, road_en: str) -> dict:
        rng = self.rng
        buses = sorted(rng.sample(range(1, 420), 2))
        stop_zh, stop_en = road_zh, road_en
        walk = rng.choice([3, 5, 6, 8, 10])
        zh = f"乘坐公交{buses[0]}路、{buses[1]}路至{stop_zh}站下车，步行约{walk}分钟"
        en = f"Bus {buses[0]} or {buses[1]} to {stop_en} stop, then walk about {walk} minutes"
        if street.district.suffix in METRO_DISTRICTS and rng.random() < 0.7:
            line, exit_ = rng.randint(1, 8), rng.choice("ABCD")
            station = street.name_zh.removesuffix("街道")
            station_en = street.name_en.removesuffix(" Subdistrict")
            zh = f"地铁{line}号线{station}站{exit_}出口步行约{walk}分钟；或{zh}"
            en = f"Metro Line {line} to {station_en} station, exit {exit_}, then walk about {walk} minutes; or {en[0].lower()}{en[1:]}"
        return {"transportation_zh": zh + "。", "transportation_en": en + "." if rng.random() < 0.6 else None}

    # services

    def services(self, spec: OrgSpec, org: dict) -> list[dict]:
        keys = spec.services if spec.services is not None else KINDS[spec.kind]["services"]
        chosen = []
        for entry in keys:
            key, p = (entry, 1.0) if isinstance(entry, str) else entry
            if self.rng.random() < p:
                chosen.append(key)
        return [self.service(spec, org, key) for key in chosen]

    def service(self, spec: OrgSpec, org: dict, template_key: str) -> dict:
        rng, t = self.rng, TEMPLATES[template_key]
        fill = self._fill(spec, spec.street)
        with_en = rng.random() < 0.55
        name_zh = rng.choice(t["name_zh"])
        service = {
            "key": f"{spec.key}/{template_key}",
            "organization": spec.key,
            "template": template_key,
            "name_zh": name_zh,
            "name_en": t["name_en"] if with_en else None,
            "description_zh": rng.choice(t["desc_zh"]).format(**fill) + self._place_sentence(spec, template_key),
            "description_en": t["desc_en"].format(**fill) if with_en and rng.random() < 0.85 else None,
            "url": f"{org['website']}/services/{template_key.replace('_', '-')}" if org["website"] and rng.random() < 0.4 else None,
            "email": f"intake@{spec.key}.example.org" if rng.random() < 0.35 else None,
            "application_process_zh": rng.choice(t["apply_zh"]),
            "application_process_en": t["apply_en"] if with_en else None,
            "fees_description_zh": t["fees_zh"],
            "fees_description_en": t["fees_en"] if with_en else None,
            "eligibility_description_zh": t["elig_zh"],
            "eligibility_description_en": t["elig_en"] if with_en else None,
            **self._eligibility(t),
            "interpretation_services": None,
            "accepts_referrals": _weighted(rng, [(True, 80), (False, 7), (None, 13)]),
            "status": "active",
            "reopens_in_days": None,
            **self._capacity(t),
            "verified_days_ago": None,  # set by assign_freshness() over the whole set
            "locations": [],
            "schedules": [],
            "phones": [],
            "contacts": [],
            "languages": [],
            "costs": [{"kind": k, "amount": a, "description_zh": zh, "description_en": en}
                      for k, a, zh, en in t.get("costs", [])],
            "documents": [],
            "service_areas": self._service_areas(spec, t),
            "taxonomy": {
                "category": list(t["cat"]),
                "care_stage": [t["stage"]],
                "delivery_mode": list(t.get("modes", ["in_person"])),
                "population": dict(t.get("pop", {})),
                "condition": dict(t.get("cond", {})),
            },
        }
        if t.get("phone") == "hotline" or t.get("virtual"):
            service["accepts_referrals"] = rng.choice([None, False, True])
        self._documents(service, t)
        self._places_and_hours(service, spec, org, template_key)
        self._phones_and_contacts(service, org, t)
        self._languages(service, spec, t)
        return service

    def _place_sentence(self, spec: OrgSpec, template_key: str) -> str:
        t = TEMPLATES[template_key]
        street, district = spec.street, spec.street.district
        if t.get("virtual") or t.get("confidential_address"):
            return ""
        if spec.branches and template_key == "mmt":
            b = spec.branches[0]
            return f"另在{b.district.name_zh}{b.name_zh}设延伸服药点，方便{b.district.name_zh}居民就近服药。"
        options = {
            "street": [f"服务覆盖{street.name_zh}各社区。", f"主要服务{street.name_zh}居民，其他街道居民可咨询。"],
            "district": [f"服务范围为{district.name_zh}全域。", f"{district.name_zh}居民均可申请。", ""],
            "city": [f"面向全市，地址位于{district.name_zh}{street.name_zh}。", ""],
        }
        return self.rng.choice(options.get(t.get("scope"), [""]))

    def _eligibility(self, t: dict) -> dict:
        rng = self.rng
        minimum, maximum = t.get("age", (18, None))
        # "Unknown is not no": some listings simply never stated an age limit or gender rule.
        if (minimum, maximum) == (18, None) and rng.random() < 0.1:
            minimum = None
        gender = t.get("gender", "all")
        if gender == "all" and rng.random() < 0.15:
            gender = None
        return {"minimum_age": minimum, "maximum_age": maximum, "gender_eligibility": gender,
                "residency_required": rng.choice(t.get("residency", (False, None)))}

    def _capacity(self, t: dict) -> dict:
        rng = self.rng
        status = _weighted(rng, [("accepting", 55), ("waitlist", 20), ("full", 8), ("unknown", 17)])
        slots = t.get("slots")
        maximum = rng.randint(*slots) if slots and rng.random() < 0.8 else None
        available = None
        if maximum is not None:
            if status == "accepting":
                available = rng.randint(1, max(1, maximum // 4))
            elif status in ("waitlist", "full"):
                available = 0
        updated = None
        if status != "unknown":
            # At least one day ago, so the stored time is never in the future whatever the hour.
            updated = {"days_ago": _weighted(rng, [(rng.randint(1, 14), 70), (rng.randint(15, 60), 20), (rng.randint(61, 150), 10)]),
                       "time": f"{rng.randint(8, 18):02d}:{rng.choice(['05', '10', '20', '30', '45', '50'])}"}
        return {
            "capacity_status": status,
            "wait_weeks": rng.randint(1, 8) if status == "waitlist" else None,
            "capacity_available": available,
            "capacity_maximum": maximum,
            "capacity_updated": updated,
            "capacity_notes": rng.choice(CAPACITY_NOTES) if rng.random() < 0.3 else None,
        }

    def _service_areas(self, spec: OrgSpec, t: dict) -> list[str]:
        scope = t.get("scope")
        if scope == "city":
            return [CITY["code"]]
        if scope == "district":
            codes = [spec.street.district.code]
            codes += [b.district.code for b in spec.branches if b.district.code not in codes]
            return codes
        if scope == "street":
            return [spec.street.code]
        return []

    def _documents(self, service: dict, t: dict) -> None:
        keys = list(t.get("docs", []))
        if service["residency_required"] and "id_card" in keys and "residence_permit" not in keys:
            keys.append("residence_permit")
        service["documents"] = [{"zh": DOCUMENTS[k][0], "en": DOCUMENTS[k][1]} for k in keys]

    def _places_and_hours(self, service: dict, spec: OrgSpec, org: dict, template_key: str) -> None:
        rng, t = self.rng, TEMPLATES[template_key]
        physical = [loc for loc in org["locations"] if loc["type"] == "physical"]
        if t.get("confidential_address"):
            locations = []  # a shelter's address is given out by phone only
        elif t.get("virtual"):
            # Hotlines have no place; online services hang on the organisation's virtual location.
            if "online" in service["taxonomy"]["delivery_mode"] and t.get("phone") != "hotline":
                service["locations"] = [self.virtual_location(org)["key"]]
            locations = []
        elif template_key == "mmt" or (spec.kind != "mmt" and len(physical) > 1 and rng.random() < 0.6):
            locations = physical
        else:
            locations = physical[:1]
        if locations:
            service["locations"] = [loc["key"] for loc in locations]
        pattern = t["sched"]
        if len(locations) > 1:
            # Several sites: hours per site (HSDS schedule on service_at_location).
            for i, loc in enumerate(locations):
                site_pattern = "mmt_short" if template_key == "mmt" and i > 0 else pattern
                service["schedules"] += _schedule_rows(site_pattern, loc["key"])
        else:
            service["schedules"] = _schedule_rows(pattern, None)

    def _phones_and_contacts(self, service: dict, org: dict, t: dict) -> None:
        rng, block = self.rng, org["_block"]
        hotline = t.get("phone") == "hotline"
        number = self.numbers.number(block)
        service["phones"].append({"number": number, "type": "hotline" if hotline else "voice",
                                  "description": "24小时热线" if hotline and t["sched"] in ("around_clock", "shelter") else
                                  ("热线" if hotline else "预约与咨询")})
        if rng.random() < 0.15:
            service["phones"].append({"number": self.numbers.number(block), "type": "text", "description": "短信咨询"})
        if rng.random() < 0.75:
            n_contacts = 2 if rng.random() < 0.12 else 1
            titles = list(t.get("titles", ["社工"]))
            for i in range(n_contacts):
                title = titles[i % len(titles)]
                service["contacts"].append({
                    "name": self._person_name(),
                    "title": title,
                    "department": "接案组" if i == 0 else None,
                    "email": f"intake@{org['key']}.example.org" if rng.random() < 0.4 else None,
                    "phones": [{"number": number, "extension": str(rng.randint(801, 899))}],
                })

    def _languages(self, service: dict, spec: OrgSpec, t: dict) -> None:
        rng = self.rng
        codes = ["zh"]
        department = KINDS[spec.kind]["department"]
        if service["name_en"] and department in {"health", "social_organisation", "enterprise"} and rng.random() < 0.35:
            codes.append("en")
        if rng.random() < 0.05:
            codes.append("yue")
        if department == "disabled_persons_federation" and rng.random() < 0.35:
            codes.append("csl")
        # Services near the ethnic-minority centre (云台区) sometimes arrange interpreters too.
        if spec.street.district.suffix == "06" and rng.random() < 0.25:
            codes.append("ug")
        codes += [c for c in t.get("langs", []) if c not in codes]
        service["languages"] = [{"code": c, "name": LANGUAGE_NAMES[c]} for c in codes]
        notes = [INTERPRETATION[c] for c in codes if c != "zh" and c in INTERPRETATION]
        if notes:
            service["interpretation_services"] = "".join(notes)

    def _person_name(self) -> str:
        given = "".join(self.rng.sample(GIVEN, self.rng.choice([1, 2, 2])))
        return self.rng.choice(SURNAMES) + given

    def _fill(self, spec: OrgSpec, street: Street) -> dict:
        district = street.district
        return {"org": spec.alternate_name or spec.name_zh, "name": spec.name_zh,
                "org_en": spec.name_en or "", "district": district.name_zh, "district_en": district.name_en,
                "street": street.name_zh, "street_en": street.name_en, "city": CITY["name_zh"],
                "city_en": CITY["name_en"], "host": spec.host or "所属医院"}


def _schedule_rows(pattern: str, location_key: str | None) -> list[dict]:
    return [{"location": location_key, "weekdays": days, "opens": opens, "closes": closes, "notes": note}
            for days, windows, note in SCHEDULES[pattern] for opens, closes in windows]


def _weighted(rng: random.Random, options: list[tuple[object, int]]):
    values, weights = zip(*options)
    return rng.choices(values, weights=weights, k=1)[0]


# --- set-wide adjustments ------------------------------------------------------------------------


# Organisations the demo users belong to: their listings stay active so the demo starts clean.
PROTECTED_ORGS = {"mmt-jiangbin", "drug-sw-jiangbin", "dpf-rehab-jiangbin"}


def assign_status(rng: random.Random, services: list[dict]) -> None:
    """A few services are temporarily closed (with a reopening date) or inactive."""
    candidates = [s for s in services if s["organization"] not in PROTECTED_ORGS]
    for service in services:
        if service["organization"] in PROTECTED_ORGS:
            service["accepts_referrals"] = True
    picked = rng.sample(candidates, 14)
    for service in picked[:9]:
        service["status"] = "temporarily_closed"
        service["reopens_in_days"] = rng.randint(10, 75)
        service["capacity_status"] = "full"
        service["capacity_available"] = 0 if service["capacity_maximum"] is not None else None
        service["wait_weeks"] = None
        service["capacity_notes"] = rng.choice(["场地改造暂停服务，期间请转介至邻近机构。",
                                                "人员调整暂停接收新个案，已在服务对象不受影响。",
                                                "消防整改暂停开放，恢复日期以通知为准。"])
    for service in picked[9:]:
        service["status"] = "inactive"
        service["accepts_referrals"] = False


def assign_freshness(rng: random.Random, services: list[dict]) -> None:
    """About STALE_SHARE of listings were last verified more than 180 days ago; the rest recently."""
    stale = set(rng.sample(range(len(services)), round(len(services) * STALE_SHARE)))
    for i, service in enumerate(services):
        if i in stale:
            service["verified_days_ago"] = rng.randint(STALE_AFTER_DAYS + 1, 400)
        else:
            service["verified_days_ago"] = _weighted(rng, [(rng.randint(0, 30), 45), (rng.randint(31, 120), 40),
                                                           (rng.randint(121, STALE_AFTER_DAYS - 5), 15)])


# --- whole build ---------------------------------------------------------------------------------


def build() -> dict[str, object]:
    rng = random.Random(SEED)
    areas, districts = build_areas(rng)
    builder = Builder(rng, districts)
    organizations, services = [], []
    for spec in org_specs(districts):
        org = builder.organization(spec)
        services += builder.services(spec, org)
        organizations.append(org)
    for org in organizations:
        del org["_block"]
    assign_status(rng, services)
    assign_freshness(rng, services)
    check(areas, organizations, services)
    return {
        "areas.json": {"_comment": "江澜市 (Jianglan) is fictional. Generated by seed/generate.py; edit the generator, not this file.",
                       "district_without_methadone": DISTRICT_WITHOUT_METHADONE, "areas": areas},
        "organizations.json": {"_comment": "Fictional organisations. Generated by seed/generate.py. Phone numbers 027-0xxx-xxxx cannot exist (local numbers never start with 0); domains are under example.org.",
                               "organizations": organizations},
        "services.json": {"_comment": "Fictional services. Generated by seed/generate.py. *_days_ago are relative to the day of loading.",
                          "services": services},
    }


def check(areas: list[dict], organizations: list[dict], services: list[dict]) -> None:
    """Fail early on data that the loader or the database would refuse."""
    from portal.vocab.install import vocabulary_data

    vocab = vocabulary_data()
    codes = {v["name"]: {t["code"] for t in v["terms"]} for v in vocab["vocabularies"]}
    area_codes = {a["code"] for a in areas}
    locations = {loc["key"]: loc for org in organizations for loc in org["locations"]}
    assert len({o["key"] for o in organizations}) == len(organizations), "duplicate organisation key"
    assert len({s["key"] for s in services}) == len(services), "duplicate service key"
    assert all(o["department"] in codes["department"] for o in organizations)
    for s in services:
        for vocabulary, terms in s["taxonomy"].items():
            unknown = set(terms) - codes[vocabulary]
            assert not unknown, f"{s['key']}: unknown {vocabulary} {unknown}"
        assert set(s["service_areas"]) <= area_codes
        assert all(key in locations for key in s["locations"])
        if "methadone_maintenance" in s["taxonomy"]["category"]:
            assert not any(locations[k]["area"] and locations[k]["area"].startswith(DISTRICT_WITHOUT_METHADONE)
                           for k in s["locations"]), s["key"]
            assert not {CITY["code"], DISTRICT_WITHOUT_METHADONE} & set(s["service_areas"]), s["key"]
    used = {c for s in services for c in s["taxonomy"]["category"]}
    # A broader category (e.g. substance use treatment) is met through the narrower ones under it.
    used |= {t["broader"] for v in vocab["vocabularies"] if v["name"] == "category" for t in v["terms"]
             if t.get("broader") and t["code"] in used}
    assert used == codes["category"], f"categories without a service: {codes['category'] - used}"
    assert len(organizations) >= 80 and len(services) >= 250, (len(organizations), len(services))


def dump(document: object) -> str:
    """JSON for people: one line per small record (an area, a phone, a schedule row), nested
    records indented, so a diff shows what changed without scrolling through brackets."""
    return _format(document, 0) + "\n"


def _format(value: object, depth: int) -> str:
    flat = json.dumps(value, ensure_ascii=False)
    if _is_leaf(value) and len(flat) + 2 * depth <= 220:
        return flat
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_format(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        items = [inner + _format(v, depth + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return flat


def _is_leaf(value: object) -> bool:
    def scalar(v):
        return not isinstance(v, (dict, list)) or (isinstance(v, list) and all(scalar(i) and not isinstance(i, list) for i in v))

    if isinstance(value, dict):
        return all(scalar(v) for v in value.values())
    return scalar(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)
    files = build()
    differing = [name for name, doc in files.items()
                 if not (DATA_DIR / name).exists() or (DATA_DIR / name).read_text(encoding="utf-8") != dump(doc)]
    if args.check:
        if differing:
            print(f"out of date: {', '.join(differing)} (run python -m seed.generate)", file=sys.stderr)
            return 1
        print("seed data up to date")
        return 0
    for name, doc in files.items():
        (DATA_DIR / name).write_text(dump(doc), encoding="utf-8")
    counts = {name: len(next(v for k, v in doc.items() if isinstance(v, list))) for name, doc in files.items()}
    print(f"wrote {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
