"""Services, with HSDS 1.1 eligibility rows folded into their eligibility description."""
from __future__ import annotations

from collections import defaultdict

from ....directory import models as m
from .. import clean
from .base import BuilderBase, Rec


# 1.x/2.0 eligibility rows whose whole value is a gender facet (case and spacing ignored), as
# exports that keep eligibility as a list of values write it: the service's gender rule. Anything
# else ("Women only", "Women and children fleeing violence") stays text, which matching treats as
# unknown, never as no.
GENDER_WORDS = {
    "female": "female", "females": "female", "woman": "female", "women": "female",
    "女": "female", "女性": "female", "妇女": "female",
    "male": "male", "males": "male", "man": "male", "men": "male", "男": "male", "男性": "male",
    "all genders": "all", "any gender": "all",
}


def gender_from_eligibility(texts) -> str | None:
    """The gender rule stated by eligibility rows, or None when they state none (or contradict:
    "female" and "male" rows together mean every gender)."""
    found = set()
    for text in texts:
        key = " ".join((text or "").lower().split()).rstrip(".")
        if key in GENDER_WORDS:
            found.add(GENDER_WORDS[key])
    if not found:
        return None
    if found == {"female"} or found == {"male"}:
        return found.pop()
    return "all"


class ServiceBuilder(BuilderBase):
    def _eligibility_rows(self) -> dict[str, list]:
        """Eligibility text per service id; rows without a service or without text are counted (the
        ones whose service is not imported are counted after dependencies are settled)."""
        eligibility: dict[str, list] = defaultdict(list)
        for row in self.rows("eligibility"):
            sid = self.ref(row, "service", "service_id")
            text = self.val(row, "eligibility", clean.text)
            if not text:
                self.report.drop("eligibility", "empty")
            elif sid is None:
                self.drop_row(row, "eligibility", "no service_id", "service_id",
                              listed=self.report.dropped["eligibility: no service_id"] < 50)
            else:
                eligibility[sid].append((text, row))
        return eligibility

    def build_services(self) -> None:
        self.eligibility = eligibility = self._eligibility_rows()
        for row in self.rows("service"):
            ident = self.ident(row, "service")
            if ident is None:
                self._err(row, "id", "missing")
                continue
            values = self._service_values(row)
            if not values["name_zh"]:
                self._err(row, "name", "missing")
            self._check_ages(row, values)
            extra = eligibility.get(ident)
            if extra:
                self._fold_eligibility(values, [t for t, _ in extra])
            location = self.ref(row, "location", "_location_id")
            values["_location_id"] = location
            rec = Rec("service", ident, self.fit(row, "service", values), row.file, row.row)
            if values["organization_id"]:
                rec.deps.append(("organization", values["organization_id"], "organization_id"))
            self.store(rec, row)

    def _status(self, row) -> str:
        data = row.data
        status = (data.get("status") or "active").strip().lower().replace("_", " ")
        status = "temporarily_closed" if status == "temporarily closed" else status
        if status not in m.SERVICE_STATUSES:
            self._err(row, "status", f"unknown status {data.get('status')!r}")
        return status

    def _capacity(self, row) -> str:
        capacity = (row.data.get("capacity_status") or "unknown").strip().lower()
        if capacity not in m.CAPACITY_STATUSES:
            self.report.value_dropped(row.file, row.row, "service", "capacity_status",
                                      f"unknown capacity status {capacity!r}")
            capacity = "unknown"
        return capacity

    def _gender(self, row) -> str | None:
        gender = (row.data.get("gender_eligibility") or "").strip().lower() or None
        if gender is not None and gender not in m.GENDER_ELIGIBILITY:
            self.report.value_dropped(row.file, row.row, "service", "gender_eligibility",
                                      f"unknown value {gender!r}")
            gender = None
        return gender

    def _access_mode(self, row) -> str | None:
        mode = (row.data.get("access_mode") or "").strip().lower() or None
        if mode is not None and mode not in m.ACCESS_MODES:
            self.report.value_dropped(row.file, row.row, "service", "access_mode", f"unknown value {mode!r}")
            mode = None
        return mode

    def _service_values(self, row) -> dict:
        status, capacity, gender = self._status(row), self._capacity(row), self._gender(row)
        return {
            "organization_id": self.ref(row, "organization", "organization_id"),
            **self.bilingual(row, "name", "name", one_line=200, required=True),
            "alternate_name": self.val(row, "alternate_name", clean.one_line, 200),
            **self.bilingual(row, "description", "description"),
            "url": self.val(row, "url", clean.url, 500),
            "email": self.val(row, "email", clean.email, 200),
            "status": status,
            "interpretation_services": self.val(row, "interpretation_services", clean.one_line, 300),
            **self.bilingual(row, "application_process", "application_process"),
            **self.bilingual(row, "fees_description", "fees_description"),
            **self.bilingual(row, "eligibility_description", "eligibility_description"),
            "minimum_age": self.val(row, "minimum_age", clean.integer, 0, 130),
            "maximum_age": self.val(row, "maximum_age", clean.integer, 0, 130),
            "verified_on": self.val(row, "assured_date", clean.day),
            "capacity_status": capacity,
            "wait_weeks": self.val(row, "wait_weeks", clean.integer, 0, 520),
            "accepts_referrals": self.val(row, "accepts_referrals", clean.boolean),
            "reopens_on": self.val(row, "reopens_on", clean.day),
            "gender_eligibility": gender,
            "residency_required": self.val(row, "residency_required", clean.boolean),
            "capacity_available": self.val(row, "capacity_available", clean.integer, 0),
            "capacity_maximum": self.val(row, "capacity_maximum", clean.integer, 0),
            "capacity_updated_at": self.val(row, "capacity_updated_at", clean.moment),
            "capacity_notes": self.val(row, "capacity_notes", clean.text),
            "hours_text": self.val(row, "hours_text", clean.text),
            "access_mode": self._access_mode(row),
            "anonymous_access": self.val(row, "anonymous_access", clean.boolean),
            "reports_to_police": self.val(row, "reports_to_police", clean.boolean),
            "guardian_consent_required": self.val(row, "guardian_consent_required", clean.boolean),
        }

    def _check_ages(self, row, values: dict) -> None:
        lo, hi = values["minimum_age"], values["maximum_age"]
        if lo is not None and hi is not None and lo > hi:
            self.report.value_dropped(row.file, row.row, "service", "maximum_age",
                                      f"maximum age {hi} is below minimum age {lo}")
            values["maximum_age"] = None

    @staticmethod
    def _fold_eligibility(values: dict, texts: list[str]) -> None:
        """HSDS 1.1 eligibility rows: a gender rule, and text appended to the description."""
        if values["gender_eligibility"] is None:  # the service row's own field wins
            values["gender_eligibility"] = gender_from_eligibility(texts)
        text = "; ".join(dict.fromkeys(texts))
        key = "eligibility_description_zh" if clean.is_chinese(text) else "eligibility_description_en"
        values[key] = "\n".join(t for t in (values[key], text) if t)

    def count_unlinked_eligibility(self) -> None:
        """After dependencies: eligibility rows whose service is not imported or unknown."""
        for sid, items in self.eligibility.items():
            rec = self.recs["service"].get(sid)
            if rec is None:
                self.report.drop("eligibility", "no such service", len(items))
            elif rec.skipped:
                self.report.drop("eligibility", "its service is not imported", len(items))
            else:
                self.report.kept["eligibility"] += len(items)
