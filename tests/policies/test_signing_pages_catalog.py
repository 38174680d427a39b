"""The Spanish catalog: the committed ``django.mo`` says exactly what ``django.po`` says (a
server without GNU gettext uses the ``.mo`` as committed), and every text of the signing
pages and of the page frame has its Spanish translation."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path
from typing import Any

import openaup

LOCALE = Path(openaup.__file__).parent / "locale"
PO = LOCALE / "es" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "es" / "LC_MESSAGES" / "django.mo"

#: The templates whose every text must be translated, relative to ``templates/``.
MUST_TRANSLATE = ("base.html", "policies/signing/")
MUST_TRANSLATE_MODULES = ("policies/views/signing.py",)


def read_po(path: Path) -> list[dict[str, Any]]:
    """The entries of a ``.po`` file: ``msgctxt``, ``msgid``, ``msgid_plural``, ``msgstr``
    (a list: one string, or one per plural form), ``fuzzy`` and ``references``."""
    entries: list[dict[str, Any]] = []
    entry: dict[str, Any] = {}
    key: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal entry, key
        if "msgid" in entry:
            entries.append(entry)
        entry, key = {}, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
            continue
        if line.startswith("#:"):
            entry.setdefault("references", []).extend(line[2:].split())
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
        if match:
            if match.group(1) == "msgctxt" and "msgid" in entry:
                finish()
            name, index, text = match.group(1), match.group(2), match.group(3)
            key = (name, int(index) if index is not None else None)
            value = ast.literal_eval(text)
            if name == "msgstr":
                forms = entry.setdefault("msgstr", [])
                forms.append(value)
            else:
                entry[name] = value
            continue
        if not line.startswith('"') or key is None:
            raise ValueError(f"{path}: cannot read {raw!r}")
        value = ast.literal_eval(line)
        if key[0] == "msgstr":
            entry["msgstr"][-1] += value
        else:
            entry[key[0]] += value
    finish()
    return entries


def expected_catalog(entries: list[dict[str, Any]]) -> dict[Any, str]:
    """What ``gettext`` should find in the compiled file: the translated, non-fuzzy
    entries, keyed as :class:`gettext.GNUTranslations` keys them (the header aside: msgfmt
    rewrites it)."""
    catalog: dict[Any, str] = {}
    for entry in entries:
        if entry.get("fuzzy") or not entry["msgid"]:
            continue
        if not any(entry["msgstr"]):
            continue
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            for index, text in enumerate(entry["msgstr"]):
                catalog[(msgid, index)] = text
        else:
            catalog[msgid] = entry["msgstr"][0]
    return catalog


def test_the_compiled_catalog_matches_the_po_file() -> None:
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    messages = {k: v for k, v in compiled._catalog.items() if k != ""}  # type: ignore[attr-defined]
    assert messages == expected_catalog(read_po(PO)), (
        f"{MO} is out of date: run `aup compilemessages` and commit the .mo with the .po"
    )


def test_the_catalog_is_spanish_with_two_plural_forms() -> None:
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    info = compiled.info()
    assert info["language"] == "es"
    assert info["plural-forms"] == "nplurals=2; plural=(n != 1);"
    assert compiled.ngettext("Your child", "Your children", 2) == "Sus hijos"


def _must_translate(reference: str) -> bool:
    path = reference.rsplit(":", 1)[0]
    if path.startswith("templates/"):
        return any(path[len("templates/") :].startswith(p) for p in MUST_TRANSLATE)
    return path in MUST_TRANSLATE_MODULES


def test_every_text_of_the_signing_pages_is_translated() -> None:
    entries = [
        entry
        for entry in read_po(PO)
        if entry["msgid"] and any(_must_translate(r) for r in entry.get("references", []))
    ]
    assert len(entries) > 100
    untranslated = [
        entry["msgid"] for entry in entries if entry.get("fuzzy") or not all(entry["msgstr"])
    ]
    assert not untranslated, f"untranslated in {PO}: {untranslated}"


def test_translations_keep_their_placeholders() -> None:
    broken = []
    for entry in read_po(PO):
        wanted = set(re.findall(r"%\(\w+\)s", entry["msgid"] + entry.get("msgid_plural", "")))
        for text in entry["msgstr"]:
            if text and entry["msgid"] and set(re.findall(r"%\(\w+\)s", text)) != wanted:
                broken.append(entry["msgid"])
    assert not broken, f"translations that lose or add a placeholder: {broken}"
