"""Listing ownership, on a world built for the purpose (``tests/factories.py``): an agency manages
its own organisation's records and nothing else; an administrator manages all. The demo-world,
every-endpoint sweep stays in ``test_listings.py`` as the end-to-end check."""
from __future__ import annotations

from portal.directory.models import Service
from portal.extensions import db
from portal.listings import operations as ops
from portal.listings.models import ProblemReport

from ..conftest import csrf_token


def _two_agencies(world):
    ours, theirs = world.organization("我们的机构"), world.organization("别人的机构")
    agency = world.user("agency", org=ours)
    own = world.service(ours, "自己的服务", at=world.location(ours))
    foreign = world.service(theirs, "别人的服务", at=world.location(theirs))
    return agency, own, foreign


def test_an_agency_finds_only_its_own_organisations_records(world):
    agency, own, foreign = _two_agencies(world)
    assert ops.service_for(agency, own.id) is own
    assert ops.service_for(agency, foreign.id) is None
    assert [s.id for s in ops.services_for(agency)] == [own.id]
    assert ops.location_for(agency, foreign.location_links[0].location_id) is None


def test_an_administrator_manages_every_organisation(world):
    _, own, foreign = _two_agencies(world)
    admin = world.user("admin")
    assert ops.service_for(admin, foreign.id) is foreign
    assert {s.id for s in ops.services_for(admin)} == {own.id, foreign.id}


def test_an_agency_gets_404_for_another_organisations_service_and_changes_nothing(world):
    agency, own, foreign = _two_agencies(world)
    http = world.sign_in(agency)
    assert http.get(f"/listings/services/{own.id}").status_code == 200
    assert http.get(f"/listings/services/{foreign.id}").status_code == 404
    token = csrf_token(http, "/listings/")
    assert http.post(f"/listings/services/{own.id}/status",
                     data={"csrf_token": token, "action": "full"}).status_code == 302
    assert http.post(f"/listings/services/{foreign.id}/status",
                     data={"csrf_token": token, "action": "full"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Service, own.id).capacity_status == "full"
    assert db.session.get(Service, foreign.id).capacity_status == "unknown"


def test_an_agency_sees_problem_reports_about_its_own_listings_only(world):
    agency, own, foreign = _two_agencies(world)
    mine, theirs = (ProblemReport(service_id=own.id, kind="wrong_phone"),
                    ProblemReport(service_id=foreign.id, kind="wrong_phone"))
    db.session.add_all([mine, theirs])
    db.session.flush()
    assert [r.id for r in ops.reports_for(agency, status=None)] == [mine.id]
    assert ops.report_for(agency, theirs.id) is None
    page = world.sign_in(agency).get("/listings/reports?status=all").get_data(as_text=True)
    assert f'id="report-{mine.id}"' in page and f'id="report-{theirs.id}"' not in page
