"""Reading a dataset as real directories ship it: a folder or a zip, CSV files with or without a
``datapackage.json`` (which may list tables that are not there), CRLF or even CR CR LF line ends, a
byte-order mark, bytes that are not UTF-8; or HSDS 3.0 JSON in the API shape."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

csv.field_size_limit(64 * 1024 * 1024)  # real exports carry multi-megabyte cells; we judge length later


DATA_JSON = (".json", ".ndjson", ".jsonl")
DATA_FILES = (".csv", *DATA_JSON)


class SourceError(Exception):
    """The dataset cannot be read at all (no such path, not a zip, no tables)."""


@dataclass
class Table:
    """One CSV file: its rows as dicts of stripped header → raw text, and the 1-based row numbers."""

    name: str  # file name as shipped, for the report
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    blank_rows: int = 0  # rows with no value in any cell (",,,"): skipped, but counted in the report


@dataclass
class Dataset:
    label: str
    files: dict[str, bytes]  # relative posix path → content
    descriptor: dict | None = None

    def csv_files(self) -> dict[str, str]:
        """lower-case stem → path of each CSV (the first one wins; duplicates are reported by caller)."""
        out: dict[str, str] = {}
        for path in sorted(self.files):
            if path.lower().endswith(".csv"):
                out.setdefault(PurePosixPath(path).stem.lower(), path)
        return out

    def json_files(self) -> list[str]:
        return [p for p in sorted(self.files) if p.lower().endswith(DATA_JSON)
                and PurePosixPath(p).name.lower() != "datapackage.json"]


def _common_root(paths: list[str]) -> str:
    """The folder holding datapackage.json (or the data files), so nested zips work."""
    for p in paths:
        if PurePosixPath(p).name.lower() == "datapackage.json":
            return str(PurePosixPath(p).parent)
    data = [p for p in paths if p.lower().endswith(DATA_FILES)]
    if not data:
        return "."
    parents = {str(PurePosixPath(p).parent) for p in data}
    return min(parents, key=len)


def open_dataset(path: str | Path) -> Dataset:
    path = Path(path)
    files: dict[str, bytes] = {}
    others: list[str] = []
    if path.is_dir():
        for item in sorted(path.rglob("*")):
            if item.is_file() and item.suffix.lower() in DATA_FILES:
                files[item.relative_to(path).as_posix()] = item.read_bytes()
            elif item.is_file():
                others.append(item.name)
    elif path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename
                if info.is_dir() or name.startswith("__MACOSX/") or ".." in PurePosixPath(name).parts:
                    continue
                if name.lower().endswith(DATA_FILES):
                    files[name] = archive.read(info)
                else:
                    others.append(name)
    elif path.is_file() and path.suffix.lower() in DATA_FILES:
        files[path.name] = path.read_bytes()
    elif not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    else:
        from .formats import describe_file, unsupported

        raise SourceError(f"{path}: {unsupported(describe_file(path.name) or 'a ' + (path.suffix or 'binary') + ' file')}")
    if not files:
        from .formats import describe_file, unsupported

        looks = next((describe_file(n) for n in others if describe_file(n)), "no CSV or JSON data")
        raise SourceError(f"{path}: {unsupported(looks)}")
    root = _common_root(list(files))
    if root != ".":
        prefix = root + "/"
        files = {p[len(prefix):]: b for p, b in files.items() if p.startswith(prefix)}
    descriptor = None
    for name in list(files):
        if name.lower() == "datapackage.json":
            try:
                descriptor = json.loads(files.pop(name).decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                descriptor = {"_unreadable": True}
            if not isinstance(descriptor, dict):
                descriptor = {"_unreadable": True}
    return Dataset(label=str(path), files=files, descriptor=descriptor)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM). Bytes that are not UTF-8 survive as lone surrogates, so each
    affected row can be reported (``clean.text`` refuses them) instead of failing the whole file."""
    text = data.decode("utf-8", errors="surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    # "\r\r\n" (seen in real exports) and lone CRs become plain newlines; quoted cells keep theirs.
    return text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")


def read_csv(name: str, data: bytes) -> Table:
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return Table(name, [])
    header = [h.strip().lower() for h in header]
    table = Table(name, header)
    for number, cells in enumerate(reader, start=1):
        if not cells or all(not c.strip() for c in cells):
            table.blank_rows += bool(cells)
            continue
        row = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}
        if len(cells) > len(header):
            row["__extra__"] = str(len(cells) - len(header))
        table.rows.append((number, row))
    return table


def read_json(name: str, data: bytes):
    try:
        return json.loads(decode(data))
    except json.JSONDecodeError as exc:
        raise SourceError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def json_documents(name: str, data: bytes) -> list:
    """The documents of a JSON file, or of an NDJSON file (one document per line)."""
    text = decode(data)
    try:
        return [json.loads(text)]
    except json.JSONDecodeError as exc:
        if "Extra data" not in exc.msg:
            raise SourceError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    docs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SourceError(f"{name}: not valid JSON lines ({exc.msg} at line {number})") from None
    return docs
