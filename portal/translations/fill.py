"""Fill a catalogue from a {msgid: translation} dict in a Python file; used when adding strings:

    python -m portal.translations.fill zh_CN path/to/dict.py   (the file defines ZH = {...})

Existing translations are kept unless the dict gives a new one. Reports msgids still untranslated.
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).parent


def fill(locale: str, translations: dict[str, str]) -> list[str]:
    path = HERE / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in translations:
            message.string = translations[key]
            message.flags.discard("fuzzy")
        elif not message.string:
            missing.append(key)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100)
    return missing


if __name__ == "__main__":
    locale, source = sys.argv[1], sys.argv[2]
    missing = fill(locale, runpy.run_path(source)["ZH"])
    for key in missing:
        print("untranslated:", key)
    sys.exit(1 if missing else 0)
