"""The person between and after handoffs, in the demo city (issue 16): run after the referral history
(``seed.history.load_history``) by ``flask seed history``. Each part has its own module and loads
once; the order matters only where a part reads what an earlier one made (follow-ups and case
records read the history's clients; refer-back reads connected referrals)."""
from __future__ import annotations

from datetime import datetime

from portal.common import utcnow

from . import cases, crisis, flags_people, followups, loop_transfer


def load_person_demo(session, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Counts per part (a part that ran before reports zeros)."""
    now = now or utcnow()
    parts = (
        ("access facts and peer supporters", lambda: flags_people.load(session)),
        ("case records", lambda: cases.load(session)),
        ("follow-ups", lambda: followups.load(session, now=now)),
        ("crisis path", lambda: crisis.load(session, now=now)),
        ("refer back and transfer", lambda: loop_transfer.load(session, now=now)),
    )
    counts = {}
    for name, load in parts:
        counts[name] = load()
        session.flush()
    return counts
