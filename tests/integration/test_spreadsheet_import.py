"""Issue 10, item 2: a directory kept in a spreadsheet with Chinese headers, imported from the command
line and from the admin page (upload, map, preview with problems per cell, dry run, import)."""
from __future__ import annotations

import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.directory import models as m
from portal.extensions import db
from portal.hsds.spreadsheet import FIELDS

from ..conftest import csrf_token

HEADERS = ["机构名称", "服务名称", "服务内容", "地址", "联系电话", "服务对象", "开放时间", "收费", "纬度", "经度", "备注"]
ROWS = [
    ["江滨区禁毒社会工作服务站", "社区戒毒康复辅导", "提供心理咨询和防复吸辅导", "江滨区滨江路12号", "028-88881234",
     "社区戒毒康复人员", "周一至周五 9:00-17:00", "免费", 30.5728, 104.0668, ""],
    ["江滨区禁毒社会工作服务站", "戒毒人员家属课堂", "家庭支持", "江滨区滨江路12号", "028-88881235",
     "家属", "预约", "免费", 30.5728, 104.0668, ""],
    ["城东医院", "住院脱毒", "脱毒治疗", "城东路1号", "028-1234", "成年人", "24小时", "医保", 95, 104.1, ""],
    ["", "没有机构的服务", "", "", "", "", "", "", "", "", ""],
]


def sheet_bytes(rows=ROWS, headers=HEADERS) -> bytes:
    book = Workbook()
    ws = book.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def services(app) -> dict[str, m.Service]:
    with app.app_context():
        return {s.name_zh: (s.id, s.hours_text, len(s.schedules)) for s in db.session.scalars(select(m.Service))}


def test_cli_imports_an_xlsx_with_chinese_headers_and_reports_per_row(empty_app, tmp_path):
    path = tmp_path / "目录.xlsx"
    path.write_bytes(sheet_bytes())
    runner = empty_app.test_cli_runner()
    refused = runner.invoke(args=["directory", "import-sheet", str(path)])
    assert refused.exit_code != 0 and "机构名称: missing" in refused.output
    result = runner.invoke(args=["directory", "import-sheet", str(path), "--partial"])
    assert result.exit_code == 0, result.output
    assert "机构名称 → organization_name" in result.output and "开放时间 → hours" in result.output
    assert "row 5: 机构名称: missing" in result.output
    assert "category coverage: 3 of 3 services" in result.output
    found = services(empty_app)
    assert set(found) == {"社区戒毒康复辅导", "戒毒人员家属课堂", "住院脱毒"}
    assert found["社区戒毒康复辅导"][2] == 5  # Monday to Friday
    assert found["戒毒人员家属课堂"][1] == "预约" and found["戒毒人员家属课堂"][2] == 0  # kept as written
    with empty_app.app_context():
        hospital = db.session.scalar(select(m.Location).join(m.Organization).where(m.Organization.name_zh == "城东医院"))
        assert hospital.latitude is None and hospital.address_zh == "城东路1号"  # latitude 95 left out, record kept
        assert db.session.scalar(select(func.count()).select_from(m.Organization)) == 2
    again = runner.invoke(args=["directory", "import-sheet", str(path), "--partial"])
    assert again.exit_code == 0 and "updated:" not in again.output  # same ids: an upsert, nothing changed
    assert not re.search(r"created: .*[1-9]", again.output)
    assert services(empty_app) == found


def test_csv_in_gb18030_and_explicit_column_mapping(empty_app, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes("单位,项目,电话号码\n阳光社工站,同伴互助小组,028-1111\n".encode("gb18030"))
    result = empty_app.test_cli_runner().invoke(args=[
        "directory", "import-sheet", str(path), "--map", "单位=organization_name", "--map", "项目=service_name",
        "--map", "3=phone"])
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        service = db.session.scalar(select(m.Service).where(m.Service.name_zh == "同伴互助小组"))
        assert service.phones[0].number
        assert "peer_support" in {t.code for t in service.terms("category")}  # inferred from its name


def _admin(app):
    from portal.accounts.operations import create_user

    with app.app_context():  # a database without the demo: only an administrator
        create_user("admin@city.local", "管理员", "an-admin-password-2026", ["admin"])
        db.session.commit()
    client = app.test_client()
    token = csrf_token(client)
    client.post("/login", data={"csrf_token": token, "email": "admin@city.local", "password": "an-admin-password-2026"})
    return client


def test_admin_uploads_maps_previews_dry_runs_and_imports(empty_app):
    client = _admin(empty_app)
    page = client.get("/admin/sheet-import/")
    assert page.status_code == 200 and "机构名称" in page.get_data(as_text=True)
    template = client.get("/admin/sheet-import/template.xlsx")
    book = load_workbook(io.BytesIO(template.data))
    header = [c.value for c in book.active[1]]
    assert header[0].startswith("机构名称") and len(header) == len(FIELDS)
    assert book.active[2][0].value  # one example row

    token = csrf_token(client, "/admin/sheet-import/")
    assert client.post("/admin/sheet-import/", data={"file": (io.BytesIO(sheet_bytes()), "x.xlsx")},
                       content_type="multipart/form-data").status_code == 400  # no CSRF token
    bad = client.post("/admin/sheet-import/", data={"csrf_token": token, "file": (io.BytesIO(b"x"), "x.pdf")},
                      content_type="multipart/form-data")
    assert "Only .xlsx and .csv" in bad.get_data(as_text=True) or "只能导入" in bad.get_data(as_text=True)
    upload = client.post("/admin/sheet-import/", data={"csrf_token": token, "file": (io.BytesIO(sheet_bytes()), "目录.xlsx")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302
    url = upload.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    # Suggested from the Chinese headers.
    assert re.search(r'name="col_0"[^>]*>.*?<option value="organization_name" selected', html, re.S)
    assert re.search(r'name="col_6"[^>]*>.*?<option value="hours" selected', html, re.S)
    token = csrf_token(client, url)
    fields = {f"col_{i}": key for i, key in enumerate(
        ["organization_name", "service_name", "description", "address", "phone", "eligibility", "hours", "fees",
         "latitude", "longitude", ""])}
    # An error next to its field: the same field twice.
    twice = client.post(url, data={**fields, "col_2": "service_name", "csrf_token": token, "action": "preview"})
    assert 'id="col_2-error"' in twice.get_data(as_text=True)
    preview = client.post(url, data={**fields, "csrf_token": token, "action": "preview"}).get_data(as_text=True)
    assert 'class="problem" data-problem="error: missing"' in preview  # row 5, organisation cell
    assert 'class="warn" data-problem="warning: 95.0 is outside' in preview  # latitude cell
    dry = client.post(url, data={**fields, "csrf_token": token, "action": "dry_run"}).get_data(as_text=True)
    assert "created:" in dry
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(m.Service)) == 0
    done = client.post(url, data={**fields, "csrf_token": token, "action": "import"})
    assert done.status_code == 200 and "category coverage" in done.get_data(as_text=True)
    assert set(services(empty_app)) == {"社区戒毒康复辅导", "戒毒人员家属课堂", "住院脱毒"}
    # Matchable and searchable.
    from portal.matching.catalog import clear_cache
    from portal.matching.operations import run_match
    from portal.search.service import get_index

    with empty_app.app_context():
        clear_cache()
        outcome = run_match(db.session, {"needs": ["脱毒治疗"], "latitude": 30.57, "longitude": 104.06})
        assert "住院脱毒" in {s.service.name_zh for s in outcome.result.suggestions}
        assert get_index().doc_count() == 3
    search = client.get("/search?q=脱毒").get_data(as_text=True)
    assert "住院脱毒" in search
    # The crosswalk and the links it made, for the administrator to edit and confirm.
    crosswalk = client.get("/admin/crosswalk/?search=Detox")
    assert crosswalk.status_code == 200 and "Detox" in crosswalk.get_data(as_text=True)
    links = client.get("/admin/inferred_links/")
    assert links.status_code == 200 and "inferred" in links.get_data(as_text=True)


def test_the_sheet_import_page_is_for_admins_only(client, login_as):
    login_as("worker")
    assert client.get("/admin/sheet-import/").status_code == 403
    assert client.get("/admin/crosswalk/").status_code == 403
