"""Every string has a Chinese translation, and the compiled catalogue matches the source.

English is the source language, so English is complete by construction; Chinese is checked
here entry by entry: not empty, not fuzzy, and what ``gettext`` answers under zh-hans.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "sscard" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    obsolete: bool = False


def _unquote(text: str) -> str:
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


def parse_po(text: str) -> list[Entry]:
    """A small reader of the .po format (polib is not a dependency)."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry = Entry()
        key: str | None = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
                continue
            if line.startswith("#,"):
                entry.fuzzy = "fuzzy" in line
                continue
            if line.startswith("#") or not line.strip():
                continue
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
            if m:
                key = m.group(1)
                value = _unquote(m.group(3))
                if key == "msgid":
                    entry.msgid = value
                elif key == "msgid_plural":
                    entry.msgid_plural = value
                elif key == "msgctxt":
                    entry.msgctxt = value
                else:
                    entry.msgstr[int(m.group(2) or 0)] = value
                    key = f"msgstr[{int(m.group(2) or 0)}]"
                continue
            assert key is not None, line
            assert line.startswith('"'), line
            value = _unquote(line)
            if key == "msgid":
                entry.msgid += value
            elif key == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            elif key == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            else:
                index = int(key[7:-1])
                entry.msgstr[index] += value
        entries.append(entry)
    return [e for e in entries if e.msgid and not e.obsolete]


ENTRIES = parse_po(PO.read_text(encoding="utf-8"))


def test_the_catalogue_has_entries():
    assert len(ENTRIES) > 250


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.msgid[:40])
def test_every_entry_is_translated_and_compiled(entry: Entry) -> None:
    assert not entry.fuzzy, "fuzzy translation"
    assert all(s.strip() for s in entry.msgstr.values()), "empty translation"
    with translation.override("zh-hans"):
        if entry.msgid_plural is not None:
            got = (
                translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                if entry.msgctxt
                else translation.ngettext(entry.msgid, entry.msgid_plural, 1)
            )
        elif entry.msgctxt:
            got = translation.pgettext(entry.msgctxt, entry.msgid)
        else:
            got = translation.gettext(entry.msgid)
    assert got == entry.msgstr[0], "the .mo is older than the .po: run compilemessages"


def test_placeholders_survive_translation():
    for entry in ENTRIES:
        wanted = set(re.findall(r"%\(\w+\)s", entry.msgid))
        for text in entry.msgstr.values():
            assert set(re.findall(r"%\(\w+\)s", text)) == wanted, entry.msgid
