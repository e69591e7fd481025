"""Stable ids are what re-imports upsert by: the fast uuid5 must give exactly ``uuid.uuid5``'s ids,
or a second import of the same directory would duplicate every row named by a derived id."""
import uuid

from hypothesis import given, strategies as st

from portal.crosswalk.operations import _attribute_id
from portal.hsds.importer import clean
from portal.stable_ids import uuid5
from portal.vocab.install import term_id


@given(st.uuids(), st.text())
def test_same_id_as_the_standard_library_for_any_namespace_and_name(namespace, name):
    assert uuid5(namespace, name) == str(uuid.uuid5(namespace, name))


def test_ids_already_stored_by_earlier_releases_stay_the_same():
    # Computed with uuid.uuid5 before the fast path existed: ids of rows in deployed databases.
    assert term_id("category", "detox") == "db9f6fa9-e4c4-54c5-9f2c-b6d663a0c16f"
    assert clean.canonical_id("12345", "service") == "f43ec920-eeaa-556e-b0f3-c3bb73a9b753"
    assert clean.content_id("schedule", "a", None, 3) == "39ac22f1-f64b-5325-bb93-a684a7f31789"
    assert _attribute_id("s", "t") == "da6e7b8b-7297-545f-aabf-40e45c054fff"
