"""The search page. Thin: parse the request, run the search, hand the result to presenters, render.

Search owns this page (and its outbox model) and depends on ``directory`` for the records it shows;
``directory`` never imports ``search`` (see docs/CONTRIBUTING.md, "Dependencies").
"""
from __future__ import annotations

from flask import Blueprint, render_template, request, session, url_for
from flask_login import current_user

from ..directory import queries
from ..directory import resource_list as rlist
from ..directory.visibility import viewer_is_staff
from ..i18n import current_lang
from . import presenters
from .query import SORTS, SearchParams
from .service import run_search, with_place

bp = Blueprint("search", __name__)


@bp.record_once
def _load_dictionary(state) -> None:
    # The domain words go into the segmenter's dictionary at start-up, not in someone's first search.
    from .analyzers import init_jieba

    init_jieba()


@bp.route("/search")
def search():
    params = SearchParams.from_args(request.args, staff=viewer_is_staff(current_user))
    params, place = with_place(params, sort_chosen="sort" in request.args)
    result = run_search(params)
    params = result.params
    terms = queries.term_labels()
    areas = queries.areas_by_code()
    language_names = queries.language_names()
    services = queries.services_by_ids([h.service_id for h in result.hits])
    by_id = {s.id: s for s in services}
    in_list = set(rlist.ids(session))
    cards = [presenters.card(by_id[h.service_id], h, result.highlight_words, h.service_id in in_list)
             for h in result.hits if h.service_id in by_id]
    drops = [(presenters.filter_label(name, value, terms, areas, language_names), count,
              url_for("search.search", **params.without(name, value).to_args()))
             for name, value, count in result.drop_suggestions]
    notices = [t for t in (presenters.notice_text(code, data) for code, data in result.notices
                           if code != "corrected") if t]
    return render_template(
        "search/search.html", params=params, result=result, cards=cards,
        groups=presenters.facet_groups(result, terms, areas, language_names),
        chips=presenters.active_chips(params, terms, areas, language_names), drops=drops,
        notices=notices, place=presenters.place_view(place, params, current_lang()), districts=[a for a in areas.values() if a.level == "district"],
        sorts=[(s, presenters.SORT_LABELS[s]) for s in SORTS], list_count=len(in_list),
        page_url=lambda page: url_for("search.search", **params.to_args(page=page)),
        original_url=url_for("search.search", **params.to_args(q=result.corrected_query or params.q)),
        suggested_url=url_for("search.search", **params.to_args(q=result.suggested_query or params.q, page=1)),
    ), (200 if result.index_ready else 503)
