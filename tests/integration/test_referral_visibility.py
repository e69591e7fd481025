"""Who may see a referral, on a world built for the purpose (``tests/factories.py``): the sending
organisation always, the receiving organisation once it was sent, coordinators of its area once it
was sent, admins; nobody else, who gets 404. The demo-world versions in ``test_referrals.py`` drive
the same rule end to end through every page."""
from __future__ import annotations

from portal.referrals.queries import visible_client, visible_referral


def _handoff(world, status="sent"):
    """A worker at a social-work station refers a client of district A to a clinic."""
    city = world.area("city")
    district_a, district_b = world.area("district", city), world.area("district", city)
    station, clinic, elsewhere = world.organization("社工站"), world.organization("门诊"), world.organization("无关机构")
    people = {
        "sender": world.user("worker", org=station),
        "receiver": world.user("agency", org=clinic),
        "outsider": world.user("agency", org=elsewhere),
        "coordinator_a": world.user("coordinator", area_=district_a),
        "coordinator_b": world.user("coordinator", area_=district_b),
        "city_coordinator": world.user("coordinator", area_=city),
        "admin": world.user("admin"),
    }
    client = world.client(station, district_a)
    service = world.service(clinic, categories=("methadone_maintenance",))
    referral = world.referral(client, service, people["sender"], status=status, needs=("methadone_maintenance",))
    return people, referral


def _who_sees(people, referral):
    return {name for name, user in people.items() if visible_referral(user, referral.id) is not None}


def test_a_sent_referral_is_seen_by_both_sides_its_area_coordinators_and_admins(world):
    people, referral = _handoff(world)
    assert _who_sees(people, referral) == {"sender", "receiver", "coordinator_a", "city_coordinator", "admin"}


def test_a_draft_is_seen_by_the_sender_and_admins_only(world):
    people, referral = _handoff(world, status="draft")
    assert _who_sees(people, referral) == {"sender", "admin"}


def test_the_client_record_stays_with_the_recording_organisation(world):
    people, referral = _handoff(world)
    assert visible_client(people["sender"], referral.client_id) is not None
    assert visible_client(people["outsider"], referral.client_id) is None


def test_an_unrelated_organisation_gets_404_and_never_learns_the_referral_exists(world):
    people, referral = _handoff(world)
    outsider = world.sign_in(people["outsider"])
    assert outsider.get(f"/referrals/{referral.id}").status_code == 404
    assert referral.id not in outsider.get("/referrals/inbox").get_data(as_text=True)
    assert world.sign_in(people["receiver"]).get(f"/referrals/{referral.id}").status_code == 200


def test_coordinators_see_referrals_of_their_area_only_and_not_the_clients_story(world):
    people, referral = _handoff(world)
    referral.reason = "需要美沙酮维持治疗 (the client's story)"
    referral.client.contact_phone, referral.client.contact_consent_on = "13800001111", referral.client.created_at.date()
    own_area = world.sign_in(people["coordinator_a"])
    assert referral.id in own_area.get("/referrals/board").get_data(as_text=True)
    detail = own_area.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "the client's story" not in detail and "13800001111" not in detail  # status and dates only
    other_area = world.sign_in(people["coordinator_b"])
    assert referral.id not in other_area.get("/referrals/board").get_data(as_text=True)
    assert other_area.get(f"/referrals/{referral.id}").status_code == 404
