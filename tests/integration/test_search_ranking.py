"""Ranking rules of the search (issue 11): soft AND, quoted phrases and adjacency, BM25F (term
frequency and field length), Spanish stemming, and spelling correction that neither rewrites words
of another language nor replaces results the query already has. Each test builds the few services
it is about with the factories, so the whole world a rule depends on is on the page."""
from __future__ import annotations

import pytest

from portal.extensions import db
from portal.search.query import SearchParams
from portal.search.service import get_index, run_search


def _index(world) -> None:
    world.commit()
    get_index().rebuild(db.session)


def _names(result) -> list[str]:
    from portal.directory.models import Service

    return [db.session.get(Service, h.service_id).name_en for h in result.hits]


@pytest.fixture
def search(world):
    def run(q: str):
        with world.app.test_request_context():
            result = run_search(SearchParams(q=q, per_page=20))
            return result, _names(result)
    return run


def _service(world, org, name: str, description: str = "", **fields):
    return world.service(org, name, description_en=description, **fields)


def test_a_query_with_one_unknown_word_still_lists_what_matches_the_others_all_words_first(world, search):
    org = world.organization()
    _service(world, org, "Harbour clinic")
    _service(world, org, "Harbour drop-in")
    _service(world, org, "Riverside clinic")
    _service(world, org, "Bakery")
    _index(world)
    result, names = search("harbour clinic")
    assert names[0] == "Harbour clinic"
    assert set(names) == {"Harbour clinic", "Harbour drop-in", "Riverside clinic"}
    assert result.total == 3 and result.all_words_total == 1 and not result.relaxed
    result, names = search("harbour zzqx")
    assert set(names) == {"Harbour clinic", "Harbour drop-in"}, "a word nothing holds must not empty the page"


def test_a_quoted_phrase_needs_its_words_side_by_side_and_adjacency_ranks_unquoted_queries(world, search):
    org = world.organization()
    _service(world, org, "Court help", "Help with an order of protection against an abuser.")
    _service(world, org, "Family court", "Protection for children; any court order explained.")
    _index(world)
    _result, names = search('"order of protection"')
    assert names == ["Court help"]
    _result, names = search("order protection")
    assert names == ["Court help", "Family court"], "both have the words; the one with them together first"
    _result, names = search('"protection order"')
    assert names == [], "a phrase is in order"


def test_phrases_are_found_in_a_saved_changes_segment_and_after_whoosh_merges_it(world, search):
    """A saved change goes through Whoosh's writer (its own small segment: the pairs' table is built
    from the segment's column); Whoosh later merges segments, copying each document's column."""
    org = world.organization()
    _service(world, org, "Family court", "Protection for children; any court order explained.")
    _index(world)
    _service(world, org, "Court help", "Help with an order of protection against an abuser.")
    world.commit()  # applied at once, by Whoosh's writer
    index = get_index()
    assert len(index.open().reader().leaf_readers()) == 2
    assert search('"order of protection"')[1] == ["Court help"]
    with index.exclusive():
        writer = index.open(mmap=False).writer()
        writer.commit(optimize=True)  # one segment, written by Whoosh from the two
    index.write_sidecars()
    assert len(index.open().reader().leaf_readers()) == 1
    assert search('"order of protection"')[1] == ["Court help"]
    assert search("order protection")[1] == ["Court help", "Family court"]


def test_ranking_weighs_the_name_term_frequency_and_field_length(world, search):
    org = world.organization()
    filler = " ".join(["general information about many community services"] * 8)
    _service(world, org, "Community services", f"{filler} Tenant advice is one of them.")
    _service(world, org, "Tenant advice")
    _service(world, org, "Housing help", "Tenant rights and tenant advice for every tenant in the city.")
    _service(world, org, "Neighbourhood desk", "Advice for a tenant in the city, and for others too.")
    _index(world)
    _result, names = search("tenant")
    assert names.index("Tenant advice") < names.index("Community services"), "a name match beats a mention"
    assert names.index("Housing help") < names.index("Neighbourhood desk"), "three mentions beat one"
    assert names.index("Neighbourhood desk") < names.index("Community services"), "a short text beats a long one"


def test_a_synonym_group_counts_once_whatever_language_a_service_says_it_in(world):
    """An English word and its Chinese synonym are one thing asked for. A Chinese-only service that
    says it in its name ranks above a bilingual one that says it, in both languages and three
    spellings, only in its description (summing the spellings, and a bonus for the English word as
    typed, put the bilingual record first)."""
    org = world.organization()
    chinese_only = _service(world, org, "精神科门诊")
    chinese_only.name_en = None
    _service(world, org, "Wellbeing drop-in", "Psychiatric care referrals and psychiatry advice.",
             description_zh="提供精神科转介。")
    _index(world)
    with world.app.test_request_context():
        for query in ("psychiatric", "精神科"):
            result = run_search(SearchParams(q=query, per_page=20))
            ids = [hit.service_id for hit in result.hits]
            assert len(ids) == 2 and ids[0] == chinese_only.id, query


def test_a_service_that_says_the_whole_synonym_phrase_ranks_above_one_that_says_part_of_it(world, search):
    """"family support" is one synonym group that also holds the broader "family": a service that
    says "family support" must still rank above one that only says "family" (scoring a group by
    its best alternative alone made them tie)."""
    org = world.organization()
    _service(world, org, "Family planning desk")
    _service(world, org, "Family support desk")
    for other in ("Housing support", "Support line", "Employment support", "Support circle", "Bakery"):
        _service(world, org, other)  # "support" is common, "family" rarer: the phrase's words average lower
    _index(world)
    _result, names = search("family support")
    assert names[0] == "Family support desk"


def test_imported_english_directories_are_found_by_their_everyday_words_and_in_chinese(world, search):
    """Directories imported from 2-1-1 style exports say "food pantry", "domestic abuse", "renters":
    the synonym table bridges the words people type, in English and in Chinese."""
    org = world.organization()
    for name in ("Northside food pantry", "Domestic abuse advocates", "Renters' rights hotline",
                 "Smile dentistry", "Bakery"):
        _service(world, org, name)
    _index(world)
    for query, expected in (("food bank", "Northside food pantry"), ("食物银行", "Northside food pantry"),
                            ("家暴", "Domestic abuse advocates"), ("domestic violence", "Domestic abuse advocates"),
                            ("tenant", "Renters' rights hotline"), ("牙科", "Smile dentistry")):
        _result, names = search(query)
        assert names == [expected], query


def test_spanish_descriptions_are_stemmed_as_spanish(world, search):
    org = world.organization()
    _service(world, org, "Comedor San José", "Comidas gratuitas para las familias del barrio, con atención en español.")
    _service(world, org, "Food bank", "Groceries for families in need.")
    _index(world)
    _result, names = search("comida gratuita")
    assert names[0] == "Comedor San José"
    _result, names = search("familia")
    assert set(names) == {"Comedor San José", "Food bank"}, "Spanish familia(s) and English families meet"


def test_a_spanish_query_finds_english_only_services_through_the_synonym_table(world, search):
    org = world.organization()
    _service(world, org, "Northside food pantry", "Free groceries every Friday.")
    _service(world, org, "Eviction defense desk", "Help for tenants facing eviction.")
    _service(world, org, "Domestic abuse advocates", "Safety planning for survivors of domestic violence.")
    _service(world, org, "Harbour clinic", "A walk-in clinic.")
    _service(world, org, "Car repair co-op", "Cheap car repairs.")
    _service(world, org, "Elder care at home", "Care for older adults at home.")
    _service(world, org, "Harbour counselling", "Free counselling: www.harbour.com, or mail help@harbour.com.")
    _service(world, org, "Harbour night shelter", "Beds for the night.")
    _service(world, org, "Housing authority", "Applications for public housing.")
    _index(world)
    _result, names = search("comida gratis")
    assert names[0] == "Northside food pantry"
    assert search("comida")[1] == ["Northside food pantry"], "Spanish 'comida' is 'com': web addresses are not words"
    assert search("desalojo")[1] == ["Eviction defense desk"]
    assert search("refugio")[1] == ["Harbour night shelter"], "a shelter, not housing in general"
    assert search("violencia domestica")[1] == search("violencia doméstica")[1] == ["Domestic abuse advocates"]
    assert search("clinica")[1] == search("clínica")[1] == ["Harbour clinic"]
    _result, names = search("elder care")
    assert names == ["Elder care at home"], "the Spanish stem of 'care' is 'car': no car repairs for elder care"


def test_how_a_request_is_worded_does_not_outrank_what_it_asks_for(world, search):
    org = world.organization()
    _service(world, org, "Rent payment assistance", "Pays part of a month's rent.")
    _service(world, org, "Drop-in centre", "We help people in need, paying what they can for a meal.")
    _index(world)
    _result, names = search("I need help paying my rent")
    assert names == ["Rent payment assistance", "Drop-in centre"]
    _result, names = search("need help")
    assert names == ["Drop-in centre"], "a request of such words alone is searched as typed"
    assert search("necesito ayuda con la renta")[1][0] == "Rent payment assistance"


def test_words_of_another_language_are_not_corrected_into_english_ones(world, search):
    org = world.organization()
    _service(world, org, "Refugee support", "Advice for refugees and asylum seekers.")
    _service(world, org, "Myasthenia gravis group", "A peer group.")
    _service(world, org, "Food pantry", "Free food every Friday.")
    _index(world)
    result, names = search("refugio")
    assert result.corrected_query is None and result.suggested_query is None and names == []
    result, _names_ = search("comida gratis")
    assert "gravis" not in (result.corrected_query or "") + (result.suggested_query or "")


def test_a_typo_is_only_offered_as_did_you_mean_when_the_query_already_finds_services(world, search):
    org = world.organization()
    _service(world, org, "Methadone peer group", "Daily methadone at the clinic, and a weekly group.")
    _service(world, org, "Peer support group", "Weekly group.")
    _index(world)
    result, names = search("metadone")
    assert result.corrected_query == "methadone" and names == ["Methadone peer group"], \
        "nothing found: the correction is searched instead"
    result, names = search("metadone group")
    assert result.corrected_query is None and result.suggested_query == "methadone group"
    assert result.total == 2 and "metadon" in result.highlight_words, "the query's own results stay"


def test_the_did_you_mean_link_is_on_the_page_and_the_results_are_the_query_own(world):
    org = world.organization()
    _service(world, org, "Methadone peer group", "Daily methadone at the clinic, and a weekly group.")
    _service(world, org, "Peer support group", "Weekly group.")
    _index(world)
    html = world.app.test_client().get("/search", query_string={"q": "metadone group", "lang": "en"}).get_data(as_text=True)
    assert "Did you mean" in html and "methadone group" in html
    assert "Peer support group" in html and "Showing results for" not in html


def test_every_page_is_the_same_whether_a_few_candidates_or_the_whole_directory_is_ranked(world, monkeypatch):
    """The page is ranked among the services that can reach it (those holding most of the query's
    words) when they are few, and by bit slices over every match when they are many: one order."""
    from portal.search import searching

    org = world.organization()
    words = ["harbour", "clinic", "family", "support", "methadone", "counselling"]
    for i in range(40):
        name = " ".join(w for j, w in enumerate(words) if (i >> j) & 1 or j == i % 6)
        _service(world, org, f"{name} {i}", " ".join(words[(i + k) % 6] for k in range(i % 5)))
    _index(world)

    def pages():
        found = []
        with world.app.test_request_context():
            for q in ("harbour clinic", "family support methadone", "clinic", "harbour family clinic support",
                      "美沙酮 counselling", '"family support" harbour'):
                for page in (1, 2, 3, 5):
                    result = run_search(SearchParams(q=q, per_page=4, page=page))
                    found.append((q, page, result.total, [hit.service_id for hit in result.hits]))
        return found

    monkeypatch.setattr(searching, "FEW_SHARE", 1)  # candidates in numpy up to the whole directory
    few = pages()
    monkeypatch.setattr(searching, "FEW_CANDIDATES", 0)  # bit slices over every match
    assert pages() == few
    assert all(hits for _q, page, total, hits in few if (page - 1) * 4 < total)
