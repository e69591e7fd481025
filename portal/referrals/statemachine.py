"""The referral life cycle: the one place that says which transitions exist and who may make them.

Pure: plain strings in, a ``Transition`` or a ``Refusal`` out; no Flask, no database. The operations
module asks ``check(...)`` before changing anything, so a refused transition changes nothing and
writes no event.

    draft ──send──▶ sent ──acknowledge──▶ acknowledged
                     │                        │
                     ├──accept / waitlist / decline (also straight from sent)
                     ▼
    waitlisted ──accept──▶ accepted ──connect (first attended)──▶ connected ──complete──▶ completed
        │                     └──not_connect (reason)──▶ not_connected          └─not_connect─▶ …
        └──decline / not_connect / connect
    sender: cancel (draft, sent, acknowledged, waitlisted: i.e. before acceptance)
    system: expire (sent, acknowledged: nobody answered past the due time and the grace period)
    sender or admin: mark entered_in_error (any state but entered_in_error; a note is required)
    either side or admin: reopen a closed referral (declined, not_connected, completed, cancelled,
    expired); reopening is an event, not an edit: it goes back to where the referral stood before it
    closed, or to ``sent`` when it closed before acceptance (so the receiver answers afresh).

Sides: ``sender`` (acts for the sending organisation), ``receiver`` (acts for the organisation of the
receiving service), ``admin`` and ``system`` (the escalation job). Coordinators watch; they do not
move referrals.
"""
from __future__ import annotations

from dataclasses import dataclass, field

STATUSES = (
    "draft", "sent", "acknowledged", "accepted", "waitlisted", "declined", "connected",
    "completed", "not_connected", "cancelled", "expired", "entered_in_error",
)
# Still moving: shown on the board and the inbox, can become overdue.
OPEN_STATUSES = ("sent", "acknowledged", "accepted", "waitlisted", "connected")
# Waiting for the receiving agency to act (answer, or connect the client): the inbox's "pending"
# list. A connected referral has left it: what remains are follow-ups, listed on their own page.
PENDING_STATUSES = ("sent", "acknowledged", "accepted", "waitlisted")
# Ended: can only be reopened (entered_in_error is void and stays void).
CLOSED_STATUSES = ("declined", "not_connected", "completed", "cancelled", "expired")
# Waiting for the receiver to answer: these expire when nobody does.
UNANSWERED_STATUSES = ("sent", "acknowledged")

DECLINE_REASONS = ("no_capacity", "not_eligible", "outside_area", "missing_documents", "client_declined", "other")
DECLINED_BY = ("client", "provider")
NOT_CONNECTED_REASONS = ("unreachable", "no_longer_interested", "no_show", "not_eligible_after_assessment",
                         "referred_elsewhere", "client_withdrew", "other")
# Most pressing first. "emergency": a crisis; its due times run in clock hours (duetimes.HOUR_URGENCIES).
URGENCIES = ("emergency", "urgent", "priority", "routine")

SENDER, RECEIVER, ADMIN, SYSTEM = "sender", "receiver", "admin", "system"


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[str, ...]
    target: str | None  # None: computed (reopen)
    sides: tuple[str, ...]
    # Fields the caller must supply (checked here so every entry point gets the same rule).
    requires: tuple[str, ...] = field(default=())


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("send", ("draft",), "sent", (SENDER,)),
    Action("acknowledge", ("sent",), "acknowledged", (RECEIVER,)),
    Action("accept", ("sent", "acknowledged", "waitlisted"), "accepted", (RECEIVER,)),
    Action("waitlist", ("sent", "acknowledged"), "waitlisted", (RECEIVER,)),
    Action("decline", ("sent", "acknowledged", "waitlisted"), "declined", (RECEIVER,),
           requires=("reason", "declined_by")),
    Action("connect", ("accepted", "waitlisted"), "connected", (RECEIVER,), requires=("first_attended_on",)),
    Action("not_connect", ("accepted", "waitlisted", "connected"), "not_connected", (RECEIVER,),
           requires=("reason",)),
    Action("complete", ("connected",), "completed", (RECEIVER, SENDER)),
    Action("cancel", ("draft", "sent", "acknowledged", "waitlisted"), "cancelled", (SENDER,)),
    Action("expire", UNANSWERED_STATUSES, "expired", (SYSTEM,)),
    Action("mark_entered_in_error", tuple(s for s in STATUSES if s != "entered_in_error"),
           "entered_in_error", (SENDER, ADMIN), requires=("note",)),
    Action("reopen", CLOSED_STATUSES, None, (SENDER, RECEIVER, ADMIN), requires=("note",)),
)}

# What each side can do from a status, in the order buttons are shown.
BUTTON_ORDER = ("send", "acknowledge", "accept", "waitlist", "decline", "connect", "not_connect",
                "complete", "cancel", "reopen", "mark_entered_in_error")


@dataclass(frozen=True)
class Transition:
    action: str
    from_status: str
    to_status: str


@dataclass(frozen=True)
class Refusal(Exception):
    """Why a transition is refused. ``code`` is one of: unknown_action, wrong_status, wrong_side,
    missing, bad_value; the interface turns it into a sentence."""

    code: str
    action: str
    status: str
    detail: str = ""
    sides: tuple[str, ...] = ()


def reopen_target(status_before_closing: str | None) -> str:
    """Where a reopened referral goes: back to where it stood, or to ``sent`` if it closed before
    acceptance (a declined/expired/cancelled referral is asked again)."""
    if status_before_closing in ("accepted", "waitlisted", "connected"):
        return status_before_closing
    return "sent"


def check(status: str, action: str, sides, values: dict | None = None,
          status_before_closing: str | None = None) -> Transition:
    """Return the transition or raise ``Refusal``. ``sides`` is what the actor may act as."""
    values = values or {}
    spec = ACTIONS.get(action)
    if spec is None:
        raise Refusal("unknown_action", action, status)
    if status not in spec.sources:
        raise Refusal("wrong_status", action, status)
    if not set(sides) & set(spec.sides):
        raise Refusal("wrong_side", action, status, sides=spec.sides)
    for name in spec.requires:
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise Refusal("missing", action, status, detail=name)
    if action == "decline":
        if values["reason"] not in DECLINE_REASONS:
            raise Refusal("bad_value", action, status, detail="reason")
        if values["declined_by"] not in DECLINED_BY:
            raise Refusal("bad_value", action, status, detail="declined_by")
    if action == "not_connect" and values["reason"] not in NOT_CONNECTED_REASONS:
        raise Refusal("bad_value", action, status, detail="reason")
    target = spec.target if spec.target is not None else reopen_target(status_before_closing)
    return Transition(action, status, target)


def available_actions(status: str, sides) -> list[str]:
    """Actions an actor with these sides may start from this status (for buttons)."""
    sides = set(sides)
    return [name for name in BUTTON_ORDER
            if status in ACTIONS[name].sources and sides & set(ACTIONS[name].sides)]


# The step whose due time runs while the referral is in a status (see config REFERRAL_DUE_WORKING_DAYS).
DUE_STEP = {"sent": "acknowledge", "acknowledged": "respond", "accepted": "connect"}


def due_step(status: str) -> str | None:
    return DUE_STEP.get(status)
