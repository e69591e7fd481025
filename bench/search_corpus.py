"""The search benchmark's corpus and query mix (``bench/search.py``).

The corpus is not built from the query list: each language has a vocabulary of thousands of words
drawn with a Zipf distribution (a few words everywhere, most words rare), with the directory's own
domain words at the top ranks, as in a real directory. Queries draw from the same vocabularies with
their own random stream, so most query words are ones the benchmark has never searched before, and
the mix holds what people type: organisation names, single words, natural requests of several
words, typos, words nobody wrote, filters only, and distance.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta

ZH_DOMAIN = [
    "美沙酮", "维持治疗", "门诊", "戒毒", "社区康复", "心理咨询", "同伴支持", "互助小组", "家属", "照护者", "培训",
    "喘息服务", "日间照料", "就业", "职业技能", "辅助性就业", "精神分裂症", "双相情感障碍", "抑郁", "焦虑", "危机干预",
    "热线", "上门随访", "服药管理", "个案管理", "外展", "减害", "针具交换", "艾滋病检测", "丙肝", "筛查", "评估",
    "住房", "临时安置", "法律援助", "青少年", "妇女", "老年人", "少数民族", "出院", "衔接", "防复吸", "冰毒", "海洛因",
]
EN_DOMAIN = [
    "methadone", "maintenance", "clinic", "detox", "community", "rehabilitation", "counselling", "peer",
    "support", "group", "family", "caregiver", "training", "respite", "care", "day", "employment",
    "vocational", "skills", "schizophrenia", "bipolar", "depression", "anxiety", "crisis", "hotline",
    "home", "visits", "medication", "case", "management", "outreach", "harm", "reduction", "needle",
    "exchange", "testing", "screening", "assessment", "housing", "shelter", "legal", "aid", "youth",
    "women", "older", "people", "discharge", "relapse", "prevention", "alcohol", "social", "worker",
]
EN_FILLER = ["for", "the", "and", "with", "who", "are", "in", "of", "each", "week", "by", "appointment", "near", "help"]
ZH_FILLER = ["为", "提供", "的", "和", "及", "开展", "定期", "帮助", "居民", "人员", "需要", "可以", "每周", "到", "由", "负责"]
SYLLABLES = ("ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go ka ke ki ko la le li lo lu "
             "ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi "
             "ran ter son lin mar ber tor vel win dor kin").split()
# Common characters, for Chinese words the domain list does not have (jieba sees many as unknown
# words and splits them, as it does with real names and local terms).
HANZI = ("安保北备本比边变表别病并不部才参产常场车城成程处传创此从存打大代带单当导到道的得等地点电定东动都"
         "对多儿发法反方放非分风服福父复改感高告格个给根工公共关管光广规国果过海好合和河红后候湖互户花华化话"
         "欢环黄回会活火机积基及级极即集计记技济际加家价间检建健将江交教接街节结解介金进近经精九久酒救局具决"
         "开康看考科可克课空口快况困拉来蓝劳老乐类里理力立利连联良林领流六龙路旅绿率论马满没美门面民明模母目"
         "南内能年宁农女平评普期其起气汽千前强青轻清情区取去全群然人认任日容如三色山善上少社身深生声省师十石"
         "时识实使始市示事是适室手首受书树数双水顺说思四松送苏素随岁所他台太谈特提体天田条铁听通同统头土团外"
         "完万王往望为卫位文问我五午武物西希息习喜系夏先现线相香想向小校心新信星行形性幸兄休需许学雪训压严研"
         "阳养样要业一医依宜以义艺易益意因音银引应英营永用优由友有又于与语育园员原院月越云运在早造则增展站张")

ORG_KINDS_ZH = ["社会工作服务站", "精神卫生中心", "美沙酮门诊", "社区卫生服务中心", "康复站", "公益服务中心", "救助站"]
ORG_KINDS_EN = ["Social Work Station", "Mental Health Centre", "Methadone Clinic", "Community Health Centre",
                "Rehabilitation Station", "Community Service Centre", "Relief Station"]
NAME_PARTS_ZH = ["美沙酮维持治疗", "心理咨询", "同伴支持小组", "家属培训", "喘息服务", "日间照料", "就业帮扶", "职业技能培训",
                 "危机干预热线", "上门随访", "个案管理", "外展服务", "针具交换", "艾滋病检测", "住房援助", "法律援助",
                 "青少年心理支持", "防复吸训练", "社区康复站", "出院衔接"]
NAME_PARTS_EN = ["Methadone maintenance", "Counselling", "Peer support group", "Family training", "Respite care",
                 "Day care", "Employment support", "Vocational training", "Crisis hotline", "Home visits",
                 "Case management", "Outreach", "Needle exchange", "HIV testing", "Housing support", "Legal aid",
                 "Youth mental health support", "Relapse prevention", "Rehabilitation day station",
                 "Hospital discharge support"]
COST_KINDS = ["free", "sliding_scale", "insurance", "subsidy", "fixed_fee"]
LANG_CODES = ["zh", "en", "yue", "ug", "bo"]
GRID_DEGREES = 0.01  # the rivals' distance pre-filter: ~1 km cells
NOW = datetime(2026, 11, 23, 10, 30)


class Zipf:
    """Words drawn with probability ∝ 1 / rank^s."""

    def __init__(self, words: list[str], s: float = 1.07) -> None:
        self.words = words
        self.cum = list(itertools.accumulate(1.0 / (r ** s) for r in range(1, len(words) + 1)))

    def draw(self, rng: random.Random, k: int = 1) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum, k=k)


def vocabularies(seed: int, size: int = 6000) -> tuple[Zipf, Zipf]:
    rng = random.Random(seed)
    en, seen = list(EN_DOMAIN), set(EN_DOMAIN)
    while len(en) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            en.append(word)
    zh, seen = list(ZH_DOMAIN), set(ZH_DOMAIN)
    while len(zh) < size:
        word = "".join(rng.choice(HANZI) for _ in range(rng.choice((2, 2, 2, 3, 4))))
        if word not in seen:
            seen.add(word)
            zh.append(word)
    # Domain words stay near the top; the rest is shuffled so rank does not follow creation order.
    head_en, tail_en = en[:len(EN_DOMAIN)], en[len(EN_DOMAIN):]
    head_zh, tail_zh = zh[:len(ZH_DOMAIN)], zh[len(ZH_DOMAIN):]
    rng.shuffle(tail_en)
    rng.shuffle(tail_zh)
    return Zipf(head_en + tail_en), Zipf(head_zh + tail_zh)


def generate(session, n: int, seed: int) -> dict:
    """Bulk-insert areas, organisations, locations and ``n`` services with terms, costs, languages
    and hours; returns what the query mix needs (vocabularies, organisation names, districts)."""
    from sqlalchemy import insert

    from portal.common import new_uuid, utcnow
    from portal.directory import models as m
    from seed.loader import load_taxonomies

    rng = random.Random(seed)
    en_vocab, zh_vocab = vocabularies(seed)
    vocab = load_taxonomies(session)
    session.flush()
    terms = {name: list(codes.values()) for name, codes in vocab.items()}
    now = utcnow()
    areas = [{"id": 1, "code": "B", "name_zh": "基准市", "name_en": "Bench City", "level": "city",
              "parent_id": None, "latitude": 30.55, "longitude": 114.30}]
    streets, next_id = [], 2
    for d in range(12):
        dlat, dlon = 30.42 + rng.random() * 0.26, 114.16 + rng.random() * 0.28
        district_id = next_id
        areas.append({"id": district_id, "code": f"B-{d:02d}", "name_zh": f"第{d + 1}区", "name_en": f"District {d + 1}",
                      "level": "district", "parent_id": 1, "latitude": dlat, "longitude": dlon})
        next_id += 1
        for s in range(6):
            areas.append({"id": next_id, "code": f"B-{d:02d}-{s:02d}", "name_zh": f"第{d + 1}区{s + 1}街道",
                          "name_en": f"Street {s + 1}, District {d + 1}", "level": "street", "parent_id": district_id,
                          "latitude": dlat + rng.uniform(-0.02, 0.02), "longitude": dlon + rng.uniform(-0.02, 0.02)})
            streets.append(areas[-1])
            next_id += 1
    session.execute(insert(m.Area), areas)

    orgs, locations, org_names = [], [], []
    n_orgs = max(1, n // 4)
    for i in range(n_orgs):
        kind = rng.randrange(len(ORG_KINDS_ZH))
        street = rng.choice(streets)
        zh_name = f"{street['name_zh']}{''.join(zh_vocab.draw(rng, 2))}{ORG_KINDS_ZH[kind]}"
        en_name = f"{' '.join(w.title() for w in en_vocab.draw(rng, 2))} {ORG_KINDS_EN[kind]}"
        org_names.append((zh_name, en_name))
        org_id = new_uuid()
        orgs.append({"id": org_id, "name_zh": zh_name, "name_en": en_name, "created_at": now, "updated_at": now,
                     "version": 1, "verified_on": date.today() - timedelta(days=rng.randrange(400))})
        locations.append({"id": new_uuid(), "organization_id": org_id, "location_type": "physical",
                          "address_zh": f"{street['name_zh']}{zh_vocab.draw(rng)[0]}路{rng.randrange(1, 300)}号",
                          "address_en": f"{rng.randrange(1, 300)} {en_vocab.draw(rng)[0].title()} Road",
                          "area_id": street["id"], "latitude": street["latitude"] + rng.uniform(-0.01, 0.01),
                          "longitude": street["longitude"] + rng.uniform(-0.01, 0.01),
                          "created_at": now, "updated_at": now, "version": 1})
    session.execute(insert(m.Organization), orgs)
    session.execute(insert(m.Location), locations)

    services, links, attributes, costs, languages, schedules = [], [], [], [], [], []
    for i in range(n):
        org = rng.randrange(n_orgs)
        part = rng.randrange(len(NAME_PARTS_ZH))
        zh = "".join(w + (rng.choice(ZH_FILLER) if rng.random() < 0.4 else "")
                     for w in zh_vocab.draw(rng, rng.randint(20, 45))) + "。"
        en = " ".join(w if rng.random() < 0.75 else f"{w} {rng.choice(EN_FILLER)}"
                      for w in en_vocab.draw(rng, rng.randint(20, 45))) + "."
        sid = new_uuid()
        services.append({
            "id": sid, "organization_id": orgs[org]["id"],
            "name_zh": f"{NAME_PARTS_ZH[part]}{zh_vocab.draw(rng)[0]}",
            "name_en": f"{NAME_PARTS_EN[part]} {en_vocab.draw(rng)[0]}",
            "description_zh": zh, "description_en": en,
            "eligibility_description_zh": "年满18周岁的" + zh_vocab.draw(rng)[0] + "人员",
            "eligibility_description_en": "Adults with " + en_vocab.draw(rng)[0],
            "status": "active" if rng.random() < 0.95 else "temporarily_closed",
            "capacity_status": rng.choice(["accepting", "waitlist", "full", "unknown"]),
            "accepts_referrals": rng.random() < 0.7,
            "verified_on": date.today() - timedelta(days=rng.randrange(500)),
            "created_at": now, "updated_at": now, "version": 1,
        })
        links.append({"id": new_uuid(), "service_id": sid, "location_id": locations[org]["id"]})
        for vocabulary, count in (("category", rng.randint(1, 3)), ("care_stage", 1), ("population", rng.randint(0, 2)),
                                  ("condition", rng.randint(0, 2)), ("delivery_mode", rng.randint(1, 2))):
            for term in rng.sample(terms[vocabulary], count):
                attributes.append({"id": new_uuid(), "taxonomy_term_id": term.id, "service_id": sid, "value": "serves"})
        costs.append({"id": new_uuid(), "service_id": sid, "kind": rng.choice(COST_KINDS), "currency": "CNY"})
        for code in {"zh"} | ({rng.choice(LANG_CODES)} if rng.random() < 0.3 else set()):
            languages.append({"id": new_uuid(), "service_id": sid, "code": code})
        opens = rng.choice([8, 9, 14])
        for weekday in range(1, 6 if rng.random() < 0.7 else 8):
            schedules.append({"id": new_uuid(), "service_id": sid, "weekday": weekday,
                              "opens_at": dtime(opens), "closes_at": dtime(opens + rng.choice([3, 4, 8]))})
    for table, rows in ((m.Service, services), (m.ServiceAtLocation, links), (m.Attribute, attributes),
                        (m.CostOption, costs), (m.Language, languages), (m.Schedule, schedules)):
        for start in range(0, len(rows), 5000):
            session.execute(insert(table), rows[start:start + 5000])
    session.commit()
    return {"terms": {k: [t.code for t in v] for k, v in terms.items()},
            "districts": [a for a in areas if a["level"] == "district"], "streets": streets,
            "org_names": org_names, "en": en_vocab, "zh": zh_vocab}


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    params: object  # portal.search.query.SearchParams


# Share of each kind in the mix (navigational, one word, a natural request, a typo, a word nobody
# wrote, filters only, distance, a word with filters).
KINDS = (("navigational", 15), ("word", 20), ("natural", 15), ("typo", 10), ("zero", 10),
         ("filters", 10), ("distance", 10), ("word_filters", 10))


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(len(word))
    if word.isascii():
        edit = rng.randrange(3)
        if edit == 0 and len(word) > 3:
            return word[:i] + word[i + 1:]
        if edit == 1 and i + 1 < len(word):
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        return word[:i] + rng.choice("aeioulnrst") + word[i + 1:]
    return word[:i] + rng.choice(HANZI) + word[i + 1:]


def _nonsense(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "".join(rng.choice("qxzjvkwy") for _ in range(rng.randint(6, 9)))
    return "".join(rng.choice("龘靐齉爩麤") for _ in range(3))


def make_queries(seed: int, count: int, data: dict) -> list[BenchQuery]:
    from portal.search.query import SearchParams

    rng = random.Random(seed * 7919 + 1)
    kinds = [k for k, weight in KINDS for _ in range(weight)]
    en, zh = data["en"], data["zh"]
    queries = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        chinese = rng.random() < 0.5
        vocab = zh if chinese else en
        params: dict = {}
        if kind == "navigational":
            zh_name, en_name = rng.choice(data["org_names"])
            name = zh_name if chinese else en_name
            params["q"] = name if rng.random() < 0.6 else name[: max(2, len(name) * 2 // 3)]
        elif kind == "word":
            params["q"] = vocab.draw(rng)[0]
        elif kind == "natural":
            words = vocab.draw(rng, rng.randint(3, 5))
            params["q"] = "".join(words) if chinese else " ".join(
                w if rng.random() < 0.7 else f"{rng.choice(EN_FILLER)} {w}" for w in words)
        elif kind == "typo":
            word = next(w for w in vocab.draw(rng, 50) if len(w) >= (3 if chinese else 6))
            params["q"] = _typo(rng, word)
        elif kind == "zero":
            params["q"] = _nonsense(rng)
        elif kind == "filters":
            params["cost"] = (rng.choice(COST_KINDS),)
            params["mode"] = (rng.choice(data["terms"]["delivery_mode"]),)
        elif kind == "distance":
            params["q"] = vocab.draw(rng)[0]
            street = rng.choice(data["streets"])
            params["sort"] = "distance"
            params["origin"] = (street["latitude"], street["longitude"])
        else:
            params["q"] = vocab.draw(rng)[0]
            params["category"] = (rng.choice(data["terms"]["category"]),)
            params["accepting"] = rng.random() < 0.5
            if rng.random() < 0.5:
                params["area"] = rng.choice(data["districts"])["code"]
        queries.append(BenchQuery(kind, SearchParams(**params, now=NOW)))
    return queries
