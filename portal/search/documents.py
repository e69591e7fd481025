"""What the index knows about one service: built from the database, never from client data.

Text fields (both languages in each) are searched; keyword fields are the filters and their counts;
a few compact stored values (verification date, map points, opening hours) let the search sort and
filter without touching the database. Cards are filled from the database for the page shown only.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Existence
from whoosh.system import pack_uint

from ..directory.visibility import hidden_statuses, is_running
from . import pairs
from .analyzers import PART_SEPARATOR, BilingualAnalyzer, remembered
from .whoosh_adapter import install_fixes

install_fixes()  # before any segment is written (see whoosh_adapter)

# Bump when the schema or the document layout changes: ``flask index ensure`` then rebuilds.
SCHEMA_VERSION = 10  # 10: word pairs keyed from their words (pairs.mix)

# Services in these states are kept out of public search results (the rule: directory/visibility.py).
HIDDEN_STATUSES = hidden_statuses(staff=False)

# Searchable text fields, best evidence first; the weights rank a name match above a description match.
TEXT_FIELDS = ("name", "terms", "organization", "places", "body")

# Keyword fields used as filters (with counts). The vocabulary ones hold taxonomy term codes.
VOCABULARY_FACETS = ("category", "care_stage", "population", "condition", "delivery_mode")
# Access facts ("yes"/"no", or the access mode; nothing when not stated) and the organisation's place
# in the care network (its department code and network level).
ACCESS_FACETS = ("access_mode", "anonymous", "police", "guardian")
ORGANIZATION_FACETS = ("department", "network_level")
FACET_FIELDS = VOCABULARY_FACETS + ("area", "cost", "language", "status", "capacity", "accepting") \
    + ACCESS_FACETS + ORGANIZATION_FACETS


class _Counted:
    """A field whose words and counts are computed by ``index_counts(value)`` (word -> count) and
    not through Whoosh's token stream and format, which cost about half of analysing a document.
    ``index`` gives the same tuples Whoosh's format would (a test compares them); a full rebuild
    (``whoosh_adapter.SegmentBuilder``) takes the counts as they are."""

    def index(self, value, **kwargs):
        if kwargs or not isinstance(value, str):
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        if isinstance(self.format, Existence):
            return [(word.encode("utf-8"), 1, boost, b"") for word in self.index_counts(value)]
        return [(word.encode("utf-8"), count, count * boost, pack_uint(count))
                for word, count in self.index_counts(value).items()]


class SearchText(_Counted, TEXT):
    """Analysed text with each word's frequency and each field's length per document (what BM25F
    ranking needs, see ``ranking``), but no positions: phrases and adjacency come from the ``pairs``
    field, which costs far less to build and read than positions."""

    def __init__(self, analyzer, stored: bool = False) -> None:
        super().__init__(analyzer=analyzer, phrase=False, stored=stored)
        self.vector = None

    def index_counts(self, value: str) -> dict[str, int]:
        """The analyzer's words and how often each occurs. Short values (names, places, labels)
        recur across thousands of services and are counted once per process."""
        if len(value) > _SHORT_VALUE:
            return self.analyzer.indexed_counts(value)
        return _remembered(_COUNTED, value, self.analyzer.indexed_counts)


def _remembered(memo: dict[str, Counter], value: str, count: Callable[[str], Counter]) -> Counter:
    return remembered(memo, value, count, _KEPT)


# SearchText's counted short values (every text field has the same analyzer) and FacetField's split
# values.
_COUNTED: dict[str, Counter] = {}
_SPLIT: dict[str, Counter] = {}
_SHORT_VALUE = 300
_KEPT = 50_000


class PairField(COLUMN):
    """Each two neighbouring words of a document's texts (``analyzers.latin_pairs``), for phrases and
    adjacency: a per-document column of the pairs' 64-bit keys, not terms (see ``pairs``). The
    document gives the texts (or, from a rebuild that has computed them, the column's bytes)."""

    def __init__(self) -> None:
        super().__init__(VarBytesColumn())

    def to_column_value(self, value) -> bytes:
        return value if isinstance(value, bytes) else pairs.column_value(pairs.keys_of(value))


class FacetField(_Counted, KEYWORD):
    """A comma-separated keyword field (the filters): Whoosh's ``KEYWORD(commas=True)``; its words
    are the non-empty parts between commas, stripped. A directory has few distinct values per
    filter, so each is split once per process."""

    def __init__(self) -> None:
        super().__init__(commas=True)

    @staticmethod
    def index_counts(value: str) -> dict[str, int]:
        return _remembered(_SPLIT, value, _split)


def _split(value: str) -> Counter:
    return Counter([part.strip() for part in value.split(",") if part])


class KeyField(_Counted, ID):
    """Whoosh's ``ID``: the whole value is the one term."""

    @staticmethod
    def index_counts(value: str) -> dict[str, int]:
        return {value: 1}


def build_schema() -> Schema:
    analyzer = BilingualAnalyzer()
    return Schema(
        id=KeyField(stored=True, unique=True),
        name=SearchText(analyzer, stored=True),
        organization=SearchText(analyzer),
        terms=SearchText(analyzer),
        body=SearchText(analyzer),
        places=SearchText(analyzer),
        pairs=PairField(),
        organization_id=KeyField(stored=True),
        **{name: FacetField() for name in FACET_FIELDS},
        verified=STORED(),  # ordinal day of verified_on, 0 if never
        points=STORED(),  # [(lat, lon), ...] of its locations
        hours=STORED(),  # [(weekday, opens_minute, closes_minute, valid_from, valid_to), ...]
    )


def _join(values) -> str:
    return ",".join(sorted({v for v in values if v}))


def _minutes(t) -> int:
    return t.hour * 60 + t.minute


def _hours(service) -> list[tuple]:
    schedules = list(service.schedules)
    for link in service.location_links:
        schedules.extend(link.schedules)
    return sorted({
        (s.weekday, _minutes(s.opens_at), _minutes(s.closes_at),
         s.valid_from.toordinal() if s.valid_from else None,
         s.valid_to.toordinal() if s.valid_to else None)
        for s in schedules
    }, key=lambda h: (h[0], h[1], h[2], h[3] or 0, h[4] or 0))


def _accepting(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _yes_no(value: bool | None) -> str:
    """A stated fact as "yes"/"no"; an unstated one indexes nothing (no filter value matches it)."""
    return "" if value is None else ("yes" if value else "no")


# Web and mail addresses in descriptions: contact details, not what a service does. Indexed, their
# pieces (www, com, org, http) met words people type: Spanish stems "comida" to "com", so every
# service with a ".com" address answered "comida gratis".
_ADDRESSES = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # mail
    r"|(?:https?://|www\.)[!-~]+"  # web, with a scheme or www (printable ASCII: Chinese text runs on)
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|edu|gov|info|biz|us|uk|cn|io)\b(?:/[!-~]*)?",  # bare host
    re.IGNORECASE | re.ASCII)


# What every address above holds somewhere: one scan finds it (or not) for a fifth of what the
# full expression costs on text without addresses (most descriptions; "." alone is in every sentence).
_ADDRESS_HINT = re.compile(r"@|www\.|https?://|\.(?:com|org|net|edu|gov|info|biz|us|uk|cn|io)\b",
                           re.IGNORECASE | re.ASCII)


def without_addresses(text: str) -> str:
    return _ADDRESSES.sub(" ", text) if _ADDRESS_HINT.search(text) else text


def service_document(service) -> dict:
    """Flatten a Service (with its organisation, locations and terms) into an index document."""
    org = service.organization
    terms = [a.taxonomy_term for a in service.attributes]
    by_vocab: dict[str, list[str]] = {}
    for term in terms:
        by_vocab.setdefault(term.taxonomy.name, []).append(term.code)
    areas, places, points = set(), [], []
    for location in service.locations:
        if location.area is not None:
            lineage = location.area.lineage()
            areas.update(a.code for a in lineage)
            places.extend(filter(None, (a.name_zh for a in lineage)))
            places.extend(filter(None, (a.name_en for a in lineage)))
        places.extend(filter(None, (location.address_zh, location.address_en, location.name_zh,
                                    location.name_en)))
        point = location.point()
        if point:
            points.append((float(point[0]), float(point[1])))
    for service_area in service.service_areas:
        if service_area.area is not None:
            lineage = service_area.area.lineage()
            areas.update(a.code for a in lineage)
            places.extend(filter(None, (a.name_zh for a in lineage)))
            places.extend(filter(None, (a.name_en for a in lineage)))
    text_fields = [service.description_zh, service.description_en, service.eligibility_description_zh,
                   service.eligibility_description_en, service.application_process_zh,
                   service.application_process_en, service.fees_description_zh,
                   service.fees_description_en, service.alternate_name]
    text_fields += [c.description_zh for c in service.cost_options]
    text_fields += [c.description_en for c in service.cost_options]
    name = " ".join(filter(None, (service.name_zh, service.name_en)))
    organization = " ".join(filter(None, (org.name_zh, org.name_en, org.alternate_name)))
    body = without_addresses("\n".join(filter(None, text_fields)))
    return {
        "id": service.id,
        "name": name,
        "organization": organization,
        "terms": " ".join(filter(None, [t.name_zh for t in terms] + [t.name_en or "" for t in terms])),
        "body": body,
        # The texts whose neighbouring words are indexed as pairs (PairAnalyzer makes them, per text,
        # so that each is stemmed in its own language).
        "pairs": PART_SEPARATOR.join((name, organization, body)),
        "places": " ".join(places),
        "organization_id": org.id,
        "category": _join(by_vocab.get("category", [])),
        "care_stage": _join(by_vocab.get("care_stage", [])),
        "population": _join(by_vocab.get("population", [])),
        "condition": _join(by_vocab.get("condition", [])),
        "delivery_mode": _join(by_vocab.get("delivery_mode", [])),
        "area": _join(areas),
        "cost": _join(c.kind for c in service.cost_options),
        "language": _join(lang.code for lang in service.languages),
        "status": service.status,
        "capacity": service.capacity_status,
        # A paused or closed service takes no referrals now, whatever its listing says.
        "accepting": _accepting(service.accepts_referrals if is_running(service.status) else False),
        "access_mode": service.access_mode or "",
        "anonymous": _yes_no(service.anonymous_access),
        "police": _yes_no(service.reports_to_police),
        "guardian": _yes_no(service.guardian_consent_required),
        "department": org.department or "",
        "network_level": org.network_level or "",
        "verified": service.verified_on.toordinal() if service.verified_on else 0,
        "points": points,
        "hours": _hours(service),
    }
