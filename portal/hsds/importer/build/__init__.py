"""Canonical rows → validated records for our model, with every problem reported per row and field.

One module per entity (``taxonomy``, ``organizations``, ``locations``, ``services``, ``links``,
``contacts``, ``schedules``, ``children``), sharing ``base.BuilderBase`` (row helpers, ``Rec``,
``store``); ``resolve`` settles dependencies. ``Builder`` composes them and runs them in order.

Each record knows what it depends on (its organisation, service, location, term …). A dependency
must be a valid record of the dataset or already be in the database; a record whose dependency was
skipped is skipped too, and says why. Ids that are not UUIDs become stable uuid5 ids (see
``clean.canonical_id``), so importing the same dataset again updates instead of duplicating.

Leniency: an invalid optional value is left out with a warning and the record kept
(``BuilderBase.val``); only a broken identity or required field skips a record. Rows that cannot be
linked or hold nothing are counted in ``report.dropped``.
"""
from __future__ import annotations

from .base import IMPORTED_VOCABULARY, LABELS, MODELS, Rec
from .children import COST_WORDS, LANGUAGE_CODES, ChildBuilder
from .contacts import PHONE_TYPES, ContactBuilder
from .links import LinkBuilder
from .locations import LocationBuilder
from .organizations import OrganizationBuilder
from .resolve import ORDER, ResolveBuilder
from .schedules import ScheduleBuilder
from .services import ServiceBuilder
from .taxonomy import TaxonomyBuilder

__all__ = ["Builder", "Rec", "MODELS", "LABELS", "IMPORTED_VOCABULARY", "ORDER", "PHONE_TYPES",
           "COST_WORDS", "LANGUAGE_CODES"]


class Builder(TaxonomyBuilder, OrganizationBuilder, LocationBuilder, ServiceBuilder, LinkBuilder,
              ContactBuilder, ScheduleBuilder, ChildBuilder, ResolveBuilder):
    def build(self) -> None:
        self.build_areas()
        self.build_taxonomies()
        self.build_terms()
        self.build_organizations()
        addresses, accessibility = self.location_details()
        self.build_locations(addresses, accessibility)
        self.build_services()
        self.build_links()
        self.build_contacts()
        self.build_phones()
        self.build_schedules()
        self.build_simple_children()
        self.build_attributes()
        self.infer_location_organizations()
        self.attach_hours_text()
        self.resolve_dependencies()
        self.count_unlinked_eligibility()
        self.count_kept()
