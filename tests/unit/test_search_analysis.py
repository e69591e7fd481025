"""Text analysis for the search (no database): which language a Latin text is in, its stems, the
neighbouring-word pairs phrases are looked up with, the query's forms in both languages, BM25F's
arithmetic, and which words spelling correction may touch."""
from __future__ import annotations

from portal.search import ranking
from portal.search.analyzers import analysed_query, analysed_words, latin_language, latin_pairs
from portal.search.query import plan
from portal.search.suggest import correctable


def _indexed(text: str) -> list[str]:
    return [word for word, _s, _e, stopped in analysed_words(text) if not stopped]


def test_spanish_text_is_recognised_and_stemmed_as_spanish_english_as_english():
    assert latin_language("Comidas gratuitas para las familias del barrio") == "es"
    assert latin_language("Free meals for the families of the neighbourhood") == "en"
    assert _indexed("Comidas gratuitas para las familias") == ["com", "gratuit", "famili"]
    assert _indexed("Free meals for families") == ["free", "meal", "famili"]


def test_inflected_spanish_forms_meet_in_one_stem():
    assert set(_indexed("Servicios gratuitos para familias")) == set(_indexed("el servicio gratuita de la familia"))


def test_aids_is_not_the_plural_of_aid():
    assert _indexed("HIV AIDS legal aid") == ["hiv", "aids", "legal", "aid"]


def test_pairs_join_neighbouring_words_across_stop_words_but_not_across_chinese():
    assert latin_pairs("Order of Protection clinic 美沙酮门诊 in Cook County") == [
        "order_protect", "protect_clinic", "cook_counti"]


def test_a_query_word_carries_its_form_in_the_other_language_unless_that_is_another_english_word():
    forms = {raw: (word, other) for raw, word, _parts, other in analysed_query("shelter refugio elder care hate")}
    assert forms["refugio"] == ("refugio", "refugi")
    assert forms["shelter"][1] is None or forms["shelter"][1] != forms["shelter"][0]
    # Spanish stems "care" to "car" and "hate" to "hat": English words English text would hold.
    assert forms["care"] == ("care", None) and forms["hate"] == ("hate", None)


def test_spanish_words_of_the_synonym_table_carry_both_latin_forms():
    (comida,) = plan("comida").clauses
    words = {w for alternative in comida.alternatives for w, _parts in alternative}
    assert {"food", "食物", "comida", "com"} <= words, "Spanish text holds comida as 'com'"
    (care,) = plan("dental care").clauses
    assert "car" not in {w for alternative in care.alternatives for w, _parts in alternative}
    assert plan("violencia domestica").clauses[0].label == "violencia domestica", "found without its accent"
    assert len(plan("violencia domestica").clauses) == 1


def test_a_quoted_phrase_is_one_clause_that_asks_for_adjacency():
    clauses = plan('"order of protection" lawyer').clauses
    assert clauses[0].phrase and [w for w, _ in clauses[0].alternatives[0]] == ["order", "protect"]
    assert not clauses[1].phrase


def test_bm25f_prefers_the_name_short_fields_and_more_mentions_with_saturation():
    name = ranking.field_tf(1, 3, 3.0, "name")
    body = ranking.field_tf(1, 3, 3.0, "body")
    assert name > body
    assert ranking.field_tf(1, 10, 30.0, "body") > ranking.field_tf(1, 90, 30.0, "body")
    idf = ranking.idf(10, 1000)
    one, three, thirty = (ranking.units(ranking.field_tf(n, 30, 30.0, "body"), idf) for n in (1, 3, 30))
    assert one < three < thirty and thirty - three < three - one + (three - one)
    assert ranking.idf(1000, 1000) == ranking.MIN_IDF


def test_only_words_of_no_known_language_may_be_corrected():
    assert not correctable("refugio") and not correctable("gratis") and not correctable("clinic")
    assert correctable("metadone") and correctable("meishatong") and correctable("美沙同")


def test_near_pinyin_keys_are_found_through_deletions_exactly_as_by_measuring_every_key():
    """"Did you mean" for a misspelt pinyin (meishatomg -> 美沙酮) looks up keys one edit away through
    their one-letter deletions; it must find every key a full comparison finds, no more, no less."""
    import random

    from portal.search.suggest import Vocabulary, edit_distance

    rnd = random.Random(11)
    syllables = "mei sha tong chuan xi fu wu jie du xin li zhi ye kang fu zhan an zhi".split()
    words = {"".join(rnd.choice(syllables) for _ in range(rnd.randint(2, 4))) for _ in range(800)}
    vocab = Vocabulary(())
    vocab.pinyin = {key: [f"词{i}"] for i, key in enumerate(sorted(words))}
    keys = sorted(words)
    probes = []
    for key in rnd.sample(keys, 60):  # a letter changed, dropped, added or two swapped
        i = rnd.randrange(len(key) - 1)
        probes += [key[:i] + "q" + key[i + 1:], key[:i] + key[i + 1:], key[:i] + "a" + key[i:],
                   key[:i] + key[i + 1] + key[i] + key[i + 2:]]
    found_any = 0
    for probe in probes:
        every = {k for k in keys if edit_distance(probe, k, 1) == 1}
        looked_up = {k for k in vocab.pinyin_near(probe) if edit_distance(probe, k, 1) == 1}
        assert looked_up == every, probe
        found_any += bool(every)
    assert found_any >= len(probes) // 2
