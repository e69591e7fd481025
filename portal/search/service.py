"""Access to the app's search index."""
from __future__ import annotations

from flask import current_app

from .index import SearchIndex


def get_index() -> SearchIndex:
    return SearchIndex(current_app.config["SEARCH_INDEX_DIR"])
