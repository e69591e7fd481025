"""Consent withdrawn while a referral is under way (docs/privacy.md#consent): the receiver keeps
what closing needs — status, dates, needs — may close the referral with a coded reason and no
note, and may not move it forward or read the client's story any more. The sender is not affected."""
from __future__ import annotations

import pytest

from portal.extensions import db
from portal.referrals.clients import erase_client, revoke_consent
from portal.referrals.errors import ReferralError
from portal.referrals.transitions import transition
from portal.referrals.visibility import can_see_care_plan, can_see_reason


@pytest.fixture
def handoff(world):
    station, clinic = world.organization("社工站"), world.organization("门诊")
    sender, receiver = world.user("worker", org=station), world.user("agency", org=clinic)
    client = world.client(station, phone="13700000000")
    service = world.service(clinic)
    referral = world.referral(client, service, sender, status="sent", care_plan_notes="the plan")
    consent = world.consent(client, clinic, items=("referral", "contact", "care_plan"), referral_=referral)
    return sender, receiver, referral, consent


def test_before_revocation_the_receiver_answers_and_reads_as_usual(world, handoff):
    sender, receiver, referral, _consent = handoff
    assert can_see_reason(receiver, referral) and can_see_care_plan(receiver, referral)
    transition(receiver, referral, "accept", {"note": "we will call"})
    assert referral.status == "accepted"


def test_after_revocation_the_receiver_may_not_move_it_forward(world, handoff):
    sender, receiver, referral, consent = handoff
    revoke_consent(sender, consent)
    for action in ("acknowledge", "accept", "waitlist"):
        with pytest.raises(ReferralError, match="撤回同意|withdrew consent"):
            transition(receiver, referral, action)
    assert referral.status == "sent"


def test_after_revocation_the_receiver_may_close_it_with_a_coded_reason_but_no_note(world, handoff):
    sender, receiver, referral, consent = handoff
    revoke_consent(sender, consent)
    with pytest.raises(ReferralError, match="不能再记录|no notes"):
        transition(receiver, referral, "decline", {"reason": "client_declined", "declined_by": "client",
                                                  "note": "she told us about her relapse"})
    transition(receiver, referral, "decline", {"reason": "client_declined", "declined_by": "client"})
    assert (referral.status, referral.decline_reason) == ("declined", "client_declined")


def test_after_revocation_the_receiver_no_longer_reads_the_story_but_the_sender_does(world, handoff):
    sender, receiver, referral, consent = handoff
    referral.reason = "qzx private story"
    revoke_consent(sender, consent)
    assert not can_see_reason(receiver, referral) and not can_see_care_plan(receiver, referral)
    assert can_see_reason(sender, referral)
    page = world.sign_in(receiver).get(f"/referrals/{referral.id}")
    assert page.status_code == 200
    assert "qzx private story" not in page.get_data(as_text=True)
    assert "qzx private story" in world.sign_in(sender).get(f"/referrals/{referral.id}").get_data(as_text=True)


def test_the_sender_may_still_cancel_after_revocation(world, handoff):
    sender, _receiver, referral, consent = handoff
    revoke_consent(sender, consent)
    transition(sender, referral, "cancel", {"note": "client withdrew"})
    assert referral.status == "cancelled"


def test_erasure_revokes_consent_and_erases_text_but_keeps_the_referral(world, handoff):
    sender, receiver, referral, consent = handoff
    referral_id, client = referral.id, referral.client
    assert erase_client(sender, client) == 1
    db.session.expire_all()
    referral = db.session.get(type(referral), referral_id)
    assert consent.revoked_at is not None
    assert (referral.reason, referral.care_plan_notes, referral.client.contact_phone) == (None, None, None)
    assert referral.status == "sent" and referral.sent_at is not None
    transition(receiver, referral, "decline", {"reason": "client_declined", "declined_by": "client"})
