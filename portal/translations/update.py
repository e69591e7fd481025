"""Regenerate the message catalogues from the code and the translation tables.

    .venv/bin/python -m portal.translations.update      (or: make messages)

1. extract every translatable string from portal/ and templates/ (including folders named
   `_macros`, which Babel skips by default) into messages.pot;
2. update the zh_CN and en catalogues from it;
3. fill the Chinese catalogue (zh_Hans_CN: what Babel calls zh_CN) from the tables in portal/translations/zh/*.py (each defines ``ZH = {msgid: text}``;
   one table per domain so that people working on different domains never edit the same file);
4. compile both catalogues.
English is the source language, so the en catalogue stays empty on purpose. Untranslated Chinese
strings are listed; the exit code is 1 when there are any.
"""
from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
PYBABEL = str(Path(sys.executable).with_name("pybabel"))


def _run(*args: str) -> None:
    subprocess.run([PYBABEL, "-q", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def translations() -> dict[str, str]:
    table: dict[str, str] = {}
    for path in sorted((HERE / "zh").glob("*.py")):
        table.update(runpy.run_path(str(path))["ZH"])
    return table


def fill(locale: str, table: dict[str, str]) -> list[str]:
    path = HERE / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in table:
            message.string = table[key] if isinstance(message.id, str) else (table[key], table[key])
            message.flags.discard("fuzzy")
        else:
            message.string = "" if isinstance(message.id, str) else ("", "")
            missing.append(key)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False)
    return missing


def main() -> int:
    pot = "portal/translations/messages.pot"
    _run("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", pot, "--no-location",
         "--sort-output", "--omit-header", "--ignore-dirs", ".*", ".")
    _run("update", "-i", pot, "-d", "portal/translations", "--no-fuzzy-matching", "--ignore-obsolete")
    missing = fill("zh_Hans_CN", translations())
    _run("compile", "-d", "portal/translations")
    for key in missing:
        print("untranslated (zh):", key)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
