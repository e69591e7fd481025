"""Which services a reader is shown in lists: the one visibility rule.

Public lists (search results, organisation pages, the public API, crisis hotlines, shared lists)
show services that are running or only paused: a paused service still helps people plan, and its
page says when it reopens. An ``inactive`` service is not offered to the public at all, but staff
still see it in lists, marked, because they may be following up a client who used it. A
``defunct`` service is listed to nobody (its page still says it closed, for people holding an old
handout).

No Flask: the search index, SQL queries, views and templates all ask here, so they cannot disagree.
"""
from __future__ import annotations

from .models import SERVICE_STATUSES

PUBLIC_STATUSES = ("active", "temporarily_closed")
STAFF_STATUSES = PUBLIC_STATUSES + ("inactive",)
# A service in one of these states is not running, so it never shows as taking new clients.
NOT_RUNNING_STATUSES = ("inactive", "defunct", "temporarily_closed")


def listed_statuses(staff: bool) -> tuple[str, ...]:
    return STAFF_STATUSES if staff else PUBLIC_STATUSES


def hidden_statuses(staff: bool) -> tuple[str, ...]:
    """The complement, for the search index (which keeps every service and masks these)."""
    listed = listed_statuses(staff)
    return tuple(s for s in SERVICE_STATUSES if s not in listed)


def is_listed(status: str, staff: bool) -> bool:
    return status in listed_statuses(staff)


def listed_clause(column, staff: bool):
    """The same rule as a SQL condition on a ``service.status`` column."""
    return column.in_(listed_statuses(staff))


def is_running(status: str) -> bool:
    return status not in NOT_RUNNING_STATUSES


def viewer_is_staff(user) -> bool:
    """Every signed-in role is staff (see ``accounts.permissions.staff_required``)."""
    return bool(user is not None and user.is_authenticated
                and user.has_role("worker", "agency", "coordinator", "admin"))
