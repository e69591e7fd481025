"""A match result as plain dicts with its words rendered in one language: the results page and the
JSON API show the same thing. ``translate`` is ``flask_babel.gettext`` in a request."""
from __future__ import annotations

from collections.abc import Callable

from .catalog import Catalog
from .engine import Exclusion, MatchResult, Suggestion
from .explain import N_, render, sentence

Translate = Callable[[str], str]


def _name(zh: str, en: str, lang: str) -> str:
    return (en or zh) if lang == "en" else (zh or en)


class Presenter:
    def __init__(self, catalog: Catalog, translate: Translate, lang: str) -> None:
        self.catalog = catalog
        self.translate = translate
        self.lang = lang

    def need(self, code: str) -> dict:
        return {"code": code, "name": self.catalog.label("category", code, self.lang)}

    def _label(self, code: str) -> str:
        return self.catalog.eligibility_label(code, self.lang)

    def _text(self, parts) -> str:
        return sentence(parts, self.translate, self._label, self.lang)

    def _each(self, parts) -> list[dict]:
        return [{"code": p.key, "text": render(p, self.translate, self._label, self.lang)} for p in parts]

    def service(self, facts) -> dict:
        return {
            "id": facts.id,
            "name": _name(facts.name_zh, facts.name_en, self.lang),
            "organization_id": facts.organization_id,
            "organization": _name(facts.organization_name_zh, facts.organization_name_en, self.lang),
        }

    def suggestion(self, s: Suggestion, rank: int) -> dict:
        return {
            "rank": rank,
            "service": self.service(s.service),
            "covers": [self.need(c) for c in s.covers],
            "score": s.score,
            "breakdown": s.breakdown,
            "distance_km": s.distance_km,
            "reach": s.reach,
            "explanation": self._text(s.parts),
            "flags": self._each(s.flags) + self._import_flags(s),
        }

    def _import_flags(self, s: Suggestion) -> list[dict]:
        """What matching knows only from an imported directory's words: say so, and what to check."""
        flags = []
        guessed = [c for c in s.covers if c in self.catalog.inferred.get(s.service.id, ())]
        if guessed:
            names = ("、" if self.lang == "zh" else ", ").join(self.need(c)["name"] for c in guessed)
            flags.append({"code": "category_inferred",
                          "text": self.translate(N_("inferred from its description, not confirmed: %(needs)s"))
                          % {"needs": names}})
        if s.service.id in self.catalog.eligibility_in_words:
            flags.append({"code": "eligibility_in_words",
                          "text": self.translate(N_("eligibility stated only in words: check"))})
        return flags

    def exclusion(self, e: Exclusion) -> dict:
        return {
            "service": self.service(e.service),
            "covers": [self.need(c) for c in e.covers],
            "distance_km": e.distance_km,
            "reasons": self._each(e.reasons),
        }

    def result(self, result: MatchResult, limit: int | None = None) -> dict:
        suggestions = result.suggestions if limit is None else result.suggestions[:limit]
        plan = result.plan
        return {
            "needs": [self.need(n) for n in result.profile.needs],
            "suggestions": [self.suggestion(s, i) for i, s in enumerate(suggestions, 1)],
            "suggestions_total": result.eligible_total,
            "plan": {
                "organizations": plan.organizations,
                "travel_km": plan.travel_km,
                "steps": [
                    # The plan looks at every eligible service: its rank may lie beyond those returned.
                    {**self.suggestion(step.suggestion, step.suggestion.rank),
                     "for_needs": [self.need(n) for n in step.needs]}
                    for step in plan.steps
                ],
                "unmet": [
                    {"need": self.need(u.need),
                     "nearest": self.service(u.nearest) if u.nearest else None,
                     "nearest_km": u.nearest_km}
                    for u in plan.unmet
                ],
            },
            "excluded": [self.exclusion(e) for e in result.exclusions],
            "excluded_total": result.excluded_total,
            "relax": [
                {"rule": r.rule, "adds": r.adds, "travel_km": r.travel_km}
                for r in result.relaxations
            ],
        }
