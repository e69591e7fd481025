"""Issue 10: administrators see the categories people rejected for a service (Flask-Admin, read-only,
Chinese labels) and may delete a rejection, after which the crosswalk proposes that category again."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.crosswalk.models import CrosswalkRejection
from portal.directory import models as m
from portal.extensions import db
from tests.helpers import import_into

from ..conftest import csrf_token, login
from .test_vocab_crosswalk import service_id, write_export

LIST = "/admin/crosswalk_rejections/"


def _peer_support(app, sid: str) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(m.Attribute.origin).join(m.TaxonomyTerm).where(
            m.Attribute.service_id == sid, m.TaxonomyTerm.code == "peer_support")).all()


def _rejected_world(app, tmp_path):
    """The 1.1 export imported, the inferred "peer support" of the women's group rejected, and an
    administrator and an agency user to look at it."""
    from portal.accounts.operations import create_user
    from portal.crosswalk.operations import reject_link

    import_into(app, write_export(tmp_path / "oe11"))
    sid = service_id("svc-women")
    with app.app_context():
        link = db.session.scalar(select(m.Attribute).join(m.TaxonomyTerm).where(
            m.Attribute.service_id == sid, m.TaxonomyTerm.code == "peer_support"))
        reject_link(db.session, link)
        org = db.session.get(m.Service, sid).organization_id
        create_user("admin@portal.local", "Admin", "admin-password-2026", ["admin"])
        create_user("intake@riverside.local", "Intake", "riverside-agency-2026", ["agency"], organization_id=org)
        db.session.commit()
        rejection_id = db.session.scalar(select(CrosswalkRejection.id).where(CrosswalkRejection.service_id == sid))
    assert _peer_support(app, sid) == []
    return sid, rejection_id


def test_the_admin_lists_rejected_categories_in_chinese_and_cannot_edit_them(empty_app, tmp_path):
    _sid, rejection_id = _rejected_world(empty_app, tmp_path)
    admin = empty_app.test_client()
    login(admin, "admin@portal.local", "admin-password-2026")
    page = admin.get(LIST)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "被否决的类别" in html and "当初推断的依据" in html
    assert "Women's Recovery Group" in html or "Women&#39;s Recovery Group" in html
    assert "words: " in html  # the note of the link that was rejected
    assert admin.get(f"{LIST}new/").status_code in (302, 403, 404)
    assert admin.get(f"{LIST}edit/?id={rejection_id}").status_code in (302, 403, 404)
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CrosswalkRejection)) == 1


def test_only_administrators_open_the_rejections(empty_app, tmp_path):
    _rejected_world(empty_app, tmp_path)
    agency = empty_app.test_client()
    login(agency, "intake@riverside.local", "riverside-agency-2026")
    assert agency.get(LIST).status_code == 403
    assert empty_app.test_client().get(LIST).status_code == 302  # to the login page


def test_deleting_a_rejection_lets_the_inferred_category_come_back(empty_app, tmp_path):
    sid, rejection_id = _rejected_world(empty_app, tmp_path)
    admin = empty_app.test_client()
    login(admin, "admin@portal.local", "admin-password-2026")
    assert admin.post(f"{LIST}delete/", data={"id": rejection_id, "url": LIST}).status_code == 400  # no CSRF
    with empty_app.app_context():
        assert db.session.get(CrosswalkRejection, rejection_id) is not None
    response = admin.post(f"{LIST}delete/", data={"id": rejection_id, "url": LIST,
                                                  "csrf_token": csrf_token(admin, LIST)})
    assert response.status_code == 302
    with empty_app.app_context():
        assert db.session.get(CrosswalkRejection, rejection_id) is None
    assert _peer_support(empty_app, sid) == ["inferred"]  # at once, not only on the next import


def test_the_bulk_delete_action_goes_through_the_same_operation(empty_app, tmp_path):
    sid, rejection_id = _rejected_world(empty_app, tmp_path)
    admin = empty_app.test_client()
    login(admin, "admin@portal.local", "admin-password-2026")
    response = admin.post(f"{LIST}action/", data={"action": "delete", "rowid": [rejection_id],
                                                  "csrf_token": csrf_token(admin, LIST)})
    assert response.status_code == 302
    assert _peer_support(empty_app, sid) == ["inferred"]
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CrosswalkRejection)) == 0


def test_deleting_an_inferred_link_in_the_admin_records_a_rejection(empty_app, tmp_path):
    from portal.accounts.operations import create_user

    import_into(empty_app, write_export(tmp_path / "oe11"))
    sid = service_id("svc-women")
    with empty_app.app_context():
        link_id = db.session.scalar(select(m.Attribute.id).join(m.TaxonomyTerm).where(
            m.Attribute.service_id == sid, m.TaxonomyTerm.code == "peer_support"))
        create_user("admin@portal.local", "Admin", "admin-password-2026", ["admin"])
        db.session.commit()
    admin = empty_app.test_client()
    login(admin, "admin@portal.local", "admin-password-2026")
    links = "/admin/inferred_links/"
    response = admin.post(f"{links}delete/", data={"id": link_id, "url": links,
                                                   "csrf_token": csrf_token(admin, links)})
    assert response.status_code == 302
    assert _peer_support(empty_app, sid) == []
    assert "Women" in admin.get(LIST).get_data(as_text=True)  # listed as rejected
    import_into(empty_app, write_export(tmp_path / "oe11"))  # the words still say "peer support"
    assert _peer_support(empty_app, sid) == []
