"""Spreadsheets (xlsx, csv) → the importer's canonical records → the same validation, writer, report and
crosswalk as an HSDS import.

Districts and agencies keep their directories in sheets with their own column names. Each column is
mapped to one of ``FIELDS`` (suggested from Chinese and English headers: 机构名称, 服务名称, 地址,
联系电话, 服务对象, 开放时间, 收费 …); one row is one service of one organisation at (at most) one
address. Rows of the same organisation share it; ids are derived from the names, so importing the
same sheet again updates instead of duplicating. No Flask inside; the CLI (``flask directory
import-sheet``) and the admin page (``portal/admin/sheet.py``) call ``import_sheet``.
"""
from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from .importer import clean
from .importer.canonical import Canonical
from .importer.report import ImportReport

SHEET_VOCABULARY = "spreadsheet"


@dataclass(frozen=True)
class SheetField:
    key: str
    label_zh: str
    label_en: str
    headers: tuple[str, ...]  # lower-case header words that suggest this field
    required: bool = False
    example: str = ""


FIELDS: tuple[SheetField, ...] = (
    SheetField("organization_name", "机构名称", "Organisation name",
               ("机构名称", "机构", "单位名称", "单位", "组织名称", "organization", "organisation", "organization name",
                "organisation name", "agency", "provider"), True, "江滨区禁毒社会工作服务站"),
    SheetField("service_name", "服务名称", "Service name",
               ("服务名称", "服务项目", "项目名称", "服务", "service", "service name", "program", "programme"), True,
               "社区戒毒康复辅导"),
    SheetField("description", "服务内容", "Description",
               ("服务内容", "服务简介", "简介", "描述", "说明", "description", "details", "about"), False,
               "为社区戒毒康复人员提供心理咨询、防复吸辅导和就业指导。"),
    SheetField("category", "服务类别", "Kind of help",
               ("服务类别", "类别", "分类", "服务类型", "category", "categories", "type", "service type", "taxonomy"),
               False, "心理咨询"),
    SheetField("address", "地址", "Address",
               ("地址", "服务地址", "详细地址", "address", "street address", "location"), False, "江滨区民乐街道滨江路12号"),
    SheetField("district", "所在区/街道", "District or street",
               ("所在区", "区", "街道", "所属街道", "区域", "district", "area", "street", "neighbourhood"), False, ""),
    SheetField("city", "城市", "City", ("城市", "市", "city", "town"), False, ""),
    SheetField("postal_code", "邮编", "Postal code", ("邮编", "邮政编码", "postal code", "postcode", "zip", "zip code"),
               False, ""),
    SheetField("latitude", "纬度", "Latitude", ("纬度", "latitude", "lat"), False, "30.5728"),
    SheetField("longitude", "经度", "Longitude", ("经度", "longitude", "lon", "lng", "long"), False, "104.0668"),
    SheetField("phone", "联系电话", "Phone",
               ("联系电话", "电话", "联系方式", "咨询电话", "手机", "phone", "telephone", "tel", "contact number"), False,
               "028-8888 1234"),
    SheetField("email", "电子邮箱", "Email", ("电子邮箱", "邮箱", "email", "e-mail"), False, ""),
    SheetField("website", "网址", "Website", ("网址", "网站", "website", "url", "web"), False, ""),
    SheetField("eligibility", "服务对象", "Who it is for",
               ("服务对象", "适用对象", "对象", "服务人群", "eligibility", "who it is for", "target group", "clients"), False,
               "社区戒毒、社区康复人员及其家属"),
    SheetField("minimum_age", "最低年龄", "Minimum age", ("最低年龄", "最小年龄", "minimum age", "min age", "age from"),
               False, "16"),
    SheetField("maximum_age", "最高年龄", "Maximum age", ("最高年龄", "最大年龄", "maximum age", "max age", "age to"),
               False, ""),
    SheetField("gender", "性别", "Gender", ("性别", "限性别", "gender", "sex"), False, ""),
    SheetField("hours", "开放时间", "Opening hours",
               ("开放时间", "服务时间", "办公时间", "营业时间", "时间", "hours", "opening hours", "open", "schedule"), False,
               "周一至周五 9:00-17:00"),
    SheetField("fees", "收费", "Fees", ("收费", "收费标准", "费用", "价格", "fees", "fee", "cost", "price"), False, "免费"),
    SheetField("languages", "服务语言", "Languages", ("服务语言", "语言", "languages", "language"), False, "普通话、粤语"),
    SheetField("application_process", "申请方式", "How to apply",
               ("申请方式", "申请流程", "如何申请", "预约方式", "how to apply", "application", "intake"), False, "电话预约"),
    SheetField("service_id", "编号", "Id", ("编号", "服务编号", "id", "service id", "ref"), False, ""),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
# Canonical field (as the importer reports problems) → sheet field.
CANONICAL_FIELD = {
    "organization": {"name": "organization_name", "email": "email", "website": "website"},
    "service": {"name": "service_name", "description": "description", "url": "website", "email": "email",
                "minimum_age": "minimum_age", "maximum_age": "maximum_age", "eligibility_description": "eligibility",
                "fees_description": "fees", "hours_text": "hours", "gender_eligibility": "gender",
                "application_process": "application_process", "id": "service_id"},
    "location": {"latitude": "latitude", "longitude": "longitude", "area_code": "district", "address_1": "address",
                 "postal_code": "postal_code", "city": "city"},
    "phone": {"number": "phone"},
    "language": {"name": "languages", "code": "languages"},
    "schedule": {"opens_at": "hours", "closes_at": "hours", "weekday": "hours"},
}


class SheetError(Exception):
    """The file cannot be read as a sheet."""


# --- reading -----------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime") and hasattr(value, "hour") and not hasattr(value, "year"):
        return value.strftime("%H:%M")
    return str(value).strip()


def read_sheet(data: bytes, filename: str, sheet: str | None = None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Headers and rows (sheet row number, cell texts). xlsx through openpyxl; csv as UTF-8 (with or
    without BOM) or GB18030, the encoding Chinese Excel writes."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
            raise SheetError(f"{filename}: not a readable xlsx file ({exc.__class__.__name__})") from None
        ws = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        rows = [(n, [_text(c) for c in cells]) for n, cells in enumerate(ws.iter_rows(values_only=True), start=1)]
        book.close()
    elif name.endswith((".csv", ".txt")):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SheetError(f"{filename}: neither UTF-8 nor GB18030 text")
        rows = [(n, [c.strip() for c in cells]) for n, cells in enumerate(csv.reader(io.StringIO(text)), start=1)]
    elif name.endswith(".xls"):
        raise SheetError(f"{filename}: this looks like an old Excel file (.xls), which is not supported; "
                         "save it as .xlsx or .csv")
    else:
        raise SheetError(f"{filename}: expected an .xlsx or .csv file")
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise SheetError(f"{filename}: the sheet is empty")
    header_number, header = rows[0]
    width = max(len(header), *(len(c) for _n, c in rows))
    headers = [h.strip() or f"({i + 1})" for i, h in enumerate(header + [""] * (width - len(header)))]
    body = [(n, cells + [""] * (width - len(cells))) for n, cells in rows[1:]]
    return headers, body


def _header_key(header: str) -> str:
    return re.sub(r"[\s_:：（）()*/\-]+", " ", header.lower()).strip()


def suggest_mapping(headers: list[str]) -> dict[int, str]:
    """Column index → field key, from the header words: a header equal to a field's word first, then
    the header containing the longest word. Each field is suggested for one column at most."""
    candidates = []  # (exact, word length, column, field)
    for index, header in enumerate(headers):
        key = _header_key(header)
        if not key:
            continue
        for f in FIELDS:
            for word in (_header_key(w) for w in f.headers):
                if key == word:
                    candidates.append((1, len(word), index, f.key))
                elif len(word) >= 2 and (word in key.split() or (not word.isascii() and word in key)):
                    candidates.append((0, len(word), index, f.key))
    out: dict[int, str] = {}
    taken: set[str] = set()
    # Exact headers first, leftmost first; then the longest contained word.
    for _exact, _length, index, key in sorted(candidates, key=lambda c: (-c[0], 0 if c[0] else -c[1], c[2])):
        if index not in out and key not in taken:
            out[index] = key
            taken.add(key)
    return dict(sorted(out.items()))


# --- cells → canonical -----------------------------------------------------------------------

_ZH_DAYS = {"一": "Mon", "二": "Tue", "三": "Wed", "四": "Thu", "五": "Fri", "六": "Sat", "日": "Sun", "天": "Sun"}


def english_hours(text: str) -> str:
    """Chinese opening hours in the words the hours parser reads: 周一至周五 9:00-17:00 → Mon-Fri 9:00-17:00."""
    value = text.replace("：", ":").replace("～", "-").replace("~", "-").replace("—", "-").replace("－", "-")
    value = value.replace("，", ", ").replace("；", ";").replace("、", ",").replace("。", "")
    value = re.sub(r"(全天|24\s*小时)(开放|服务)?", "24 hours", value)
    value = re.sub(r"(每天|每日|天天)", "Daily ", value)
    value = re.sub(r"(工作日)", "Weekdays ", value)
    value = re.sub(r"(周末|双休日)", "Weekends ", value)
    value = re.sub(r"(?:周|星期|礼拜)([一二三四五六日天])", lambda m: _ZH_DAYS[m.group(1)] + " ", value)
    value = re.sub(r"\s*(至|到)\s*", "-", value)
    value = re.sub(r"上午\s*(\d{1,2}(?::\d{2})?)", r"\1am", value)
    value = re.sub(r"(下午|晚上)\s*(\d{1,2}(?::\d{2})?)", r"\2pm", value)
    value = value.replace("中午", "noon")
    return " ".join(value.split())


def parse_hours(text: str) -> list[tuple[int, object, object]] | None:
    from .importer import hours

    return hours.parse_text(english_hours(text))


_GENDER = {"女": "female", "女性": "female", "妇女": "female", "female": "female", "women": "female",
           "男": "male", "男性": "male", "male": "male", "men": "male",
           "不限": "all", "男女不限": "all", "all": "all", "any": "all"}
_FREE = ("免费", "不收费", "无偿", "free", "no charge")


def _split_list(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,，、;；/]+", value) if p.strip()]


def category_terms(session) -> dict[str, str]:
    """Label or code (lower case) of the portal's categories → term id."""
    from ..directory import models as m

    out = {}
    for tid, code, zh, en in session.execute(
            select(m.TaxonomyTerm.id, m.TaxonomyTerm.code, m.TaxonomyTerm.name_zh, m.TaxonomyTerm.name_en)
            .join(m.Taxonomy).where(m.Taxonomy.name == "category")):
        for key in (code, zh, en):
            if key:
                out.setdefault(" ".join(key.lower().split()), tid)
    return out


def area_codes(session) -> dict[str, str]:
    from ..directory import models as m

    out = {}
    for code, zh, en in session.execute(select(m.Area.code, m.Area.name_zh, m.Area.name_en)):
        for key in (code, zh, en):
            if key:
                out.setdefault(key.strip().lower(), code)
    return out


class _SheetRow:
    """One sheet row's cells looked up by field key, with the header to name in problems."""

    def __init__(self, headers: list[str], column: dict[str, int], number: int, cells: list[str]) -> None:
        self.headers, self.column, self.number, self.cells = headers, column, number, cells

    def cell(self, key: str) -> str:
        index = self.column.get(key)
        return self.cells[index].strip() if index is not None and index < len(self.cells) else ""

    def header(self, key: str) -> str:
        index = self.column.get(key)
        return self.headers[index] if index is not None else FIELD_BY_KEY[key].label_zh


def _add_service(out: Canonical, row: _SheetRow, report: ImportReport, file: str, org_raw: str,
                 service_raw: str, service_name: str) -> None:
    number, cell = row.number, row.cell
    eligibility = cell("eligibility")
    gender_raw = cell("gender")
    gender = _GENDER.get(gender_raw.lower()) if gender_raw else None
    if gender_raw and gender is None:
        report.warning(file, number, row.header("gender"), f"not a gender ({gender_raw!r}): kept as words in 服务对象")
        eligibility = "; ".join(t for t in (eligibility, gender_raw) if t)
    service = {"id": service_raw, "organization_id": org_raw, "name": service_name,
               "description": cell("description") or None, "eligibility_description": eligibility or None,
               "fees_description": cell("fees") or None, "application_process": cell("application_process") or None,
               "minimum_age": cell("minimum_age") or None, "maximum_age": cell("maximum_age") or None,
               "gender_eligibility": gender, "url": cell("website") or None, "email": cell("email") or None,
               "hours_text": cell("hours") or None}
    out.add("service", file, number, service)


def _add_location(out: Canonical, row: _SheetRow, report: ImportReport, file: str, org_name: str,
                  org_raw: str, service_raw: str, areas: dict[str, str], seen_locations: set[str]) -> None:
    number, cell = row.number, row.cell
    address, lat, lon = cell("address"), cell("latitude"), cell("longitude")
    district = cell("district")
    area_code = areas.get(district.lower()) if district else None
    if district and area_code is None:
        report.warning(file, number, row.header("district"), f"unknown district or street {district!r}: left empty")
    if not (address or (lat and lon) or area_code):
        return
    location_raw = f"sheet:{org_name}:{address or lat + ',' + lon or area_code}"
    if location_raw not in seen_locations:
        seen_locations.add(location_raw)
        out.add("location", file, number, {"id": location_raw, "organization_id": org_raw,
                                           "latitude": lat or None, "longitude": lon or None,
                                           "area_code": area_code, "location_type": "physical"})
        if address or cell("postal_code") or cell("city"):
            out.add("address", file, number, {"location_id": location_raw, "address_1": address or None,
                                              "city": cell("city") or None,
                                              "postal_code": cell("postal_code") or None,
                                              "address_type": "physical"})
    out.add("service_at_location", file, number, {"service_id": service_raw, "location_id": location_raw})


def _add_hours(out: Canonical, row: _SheetRow, report: ImportReport, file: str, service_raw: str) -> None:
    hours_text = row.cell("hours")
    if not hours_text:
        return
    windows = parse_hours(hours_text)
    if windows:
        for day, opens, closes in windows:
            out.add("schedule", file, row.number, {"service_id": service_raw, "weekday": str(day),
                                                   "opens_at": opens.strftime("%H:%M"),
                                                   "closes_at": closes.strftime("%H:%M")})
    else:
        report.warning(file, row.number, row.header("hours"),
                       f"opening hours not understood ({hours_text[:60]!r}): shown as written")


def _add_phones(out: Canonical, row: _SheetRow, file: str, service_raw: str) -> None:
    phones = row.cell("phone")
    for number_text in _split_list(phones.replace("/", ",")) if phones else []:
        out.add("phone", file, row.number, {"service_id": service_raw, "number": number_text})


def _add_service_details(out: Canonical, row: _SheetRow, file: str, service_raw: str,
                         categories: dict[str, str]) -> None:
    """A free cost option, languages and category terms: none of them is ever a problem."""
    number, cell = row.number, row.cell
    fees = cell("fees")
    if fees and any(word in fees.lower() for word in _FREE):
        out.add("cost_option", file, number, {"service_id": service_raw, "option": "free", "amount": "0",
                                              "currency": "CNY"})
    for name in _split_list(cell("languages")) if cell("languages") else []:
        out.add("language", file, number, {"service_id": service_raw, "name": name})
    for label in _split_list(cell("category")) if cell("category") else []:
        term = categories.get(" ".join(label.lower().split()))
        if term is None:  # the sheet's own word: an imported term, mapped or inferred by the crosswalk
            term = f"sheet-term:{label}"
            out.add("taxonomy_term", file, number, {"id": term, "code": label[:80], "name": label,
                                                    "taxonomy": SHEET_VOCABULARY})
        out.add("attribute", file, number, {"link_entity": "service", "link_id": service_raw,
                                            "taxonomy_term_id": term})


def to_canonical(headers: list[str], rows: list[tuple[int, list[str]]], mapping: dict[int, str],
                 report: ImportReport, file: str, *, categories: dict[str, str] | None = None,
                 areas: dict[str, str] | None = None) -> Canonical:
    """One sheet row → organisation, service, location + address, link, phone, hours, cost, languages
    and terms. Problems the importer cannot see (a missing required cell, hours that could not be read)
    are reported here with the sheet's row number and column header."""
    categories = categories or {}
    areas = areas or {}
    column = {key: index for index, key in mapping.items()}
    out = Canonical("sheet")
    seen_orgs: set[str] = set()
    seen_locations: set[str] = set()
    for number, cells in rows:
        row = _SheetRow(headers, column, number, cells)
        org_name, service_name = row.cell("organization_name"), row.cell("service_name")
        missing = [key for key, value in (("organization_name", org_name), ("service_name", service_name)) if not value]
        for key in missing:
            report.error(file, number, row.header(key), "missing")
        if missing:
            report.skipped["service"] += 1
            continue
        org_raw = f"sheet:{org_name}"
        service_raw = row.cell("service_id") or f"sheet:{org_name}:{service_name}"
        if org_raw not in seen_orgs:
            seen_orgs.add(org_raw)
            out.add("organization", file, number, {"id": org_raw, "name": org_name,
                                                   "email": row.cell("email") or None,
                                                   "website": row.cell("website") or None})
        _add_service(out, row, report, file, org_raw, service_raw, service_name)
        _add_location(out, row, report, file, org_name, org_raw, service_raw, areas, seen_locations)
        _add_phones(out, row, file, service_raw)
        _add_hours(out, row, report, file, service_raw)
        _add_service_details(out, row, file, service_raw, categories)
    return out


# --- importing -------------------------------------------------------------------------------

def import_sheet(session, data: bytes, filename: str, mapping: dict[int, str] | None = None, *,
                 partial: bool = False, dry_run: bool = False, sheet: str | None = None) -> ImportReport:
    """Validate and (unless there are errors and not ``partial``) write the sheet into ``session``;
    flushes, never commits (``finish_import`` or the request boundary does). Same rules and report
    as ``import_dataset``."""
    from .importer import write_built
    from .importer.build import Builder

    report = ImportReport(dry_run=dry_run, partial=partial)
    started = time.perf_counter()
    headers, rows = read_sheet(data, filename, sheet)
    mapping = suggest_mapping(headers) if mapping is None else mapping
    report.source = f"spreadsheet ({Path(filename).suffix.lstrip('.').lower()})"
    for key in ("organization_name", "service_name"):
        if key not in mapping.values():
            report.error(filename, None, FIELD_BY_KEY[key].label_zh, "no column is mapped to this required field")
    if report.errors:
        return report
    canon = to_canonical(headers, rows, mapping, report, Path(filename).name,
                         categories=category_terms(session), areas=area_codes(session))
    builder = Builder(session, canon, report)
    builder.build()
    report.seconds["validate"] = time.perf_counter() - started
    if report.errors and not partial:
        return report
    return write_built(session, builder, report)


def cell_problems(report: ImportReport, headers: list[str], mapping: dict[int, str]) -> dict[tuple[int, int], list[str]]:
    """(sheet row, column index) → problems, for the preview: the importer names canonical fields, the
    sheet names columns."""
    column_of = {key: index for index, key in mapping.items()}
    header_index = {h: i for i, h in enumerate(headers)}
    label_index = {FIELD_BY_KEY[k].label_zh: i for k, i in column_of.items()}
    out: dict[tuple[int, int], list[str]] = {}
    for p in report.problems:
        if not isinstance(p.row, int):
            continue
        index = header_index.get(p.field or "")
        if index is None:
            index = label_index.get(p.field or "")
        if index is None:
            for fields in CANONICAL_FIELD.values():
                key = fields.get(p.field or "")
                if key in column_of:
                    index = column_of[key]
                    break
        out.setdefault((p.row, -1 if index is None else index), []).append(
            f"{p.severity}: {p.problem}")
    return out


def template_xlsx() -> bytes:
    """The template: every field's Chinese and English name as the header, one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = "服务目录 services"
    ws.append([f"{f.label_zh} {f.label_en}" + (" *" if f.required else "") for f in FIELDS])
    ws.append([f.example for f in FIELDS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for index, f in enumerate(FIELDS, start=1):
        ws.column_dimensions[ws.cell(1, index).column_letter].width = max(14, len(f.label_en) + 6)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = ["FIELDS", "SheetError", "read_sheet", "suggest_mapping", "to_canonical", "import_sheet",
           "template_xlsx", "cell_problems", "english_hours", "clean"]
