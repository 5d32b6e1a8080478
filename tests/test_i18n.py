"""Both catalogues are complete and cover every message the code and templates use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def catalog(lang: str):
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_catalogue_is_complete(lang):
    messages = [m for m in catalog(lang) if m.id]
    assert messages
    untranslated = [
        m.id
        for m in messages
        if not m.string or (isinstance(m.string, tuple) and not all(m.string))
    ]
    assert untranslated == []
    assert [m.id for m in messages if m.fuzzy] == []


def test_every_message_in_the_code_is_in_the_catalogues(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        used = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for lang in ("fr", "en"):
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(lang) if m.id}
        assert used - known == set(), f"run `make translations` and translate ({lang})"


def test_french_pages_show_no_english_interface_text(client):
    english_only = {
        m.id
        for m in catalog("fr")
        if isinstance(m.id, str) and m.string and m.string != m.id and len(m.id) > 6
    }
    for path in [
        "/",
        "/search?q=pad",
        "/categories/",
        "/software/etherpad",
        "/hosts/cigogne-libre",
    ]:
        html = client.get(path, headers={"Accept-Language": "fr"}).get_data(as_text=True)
        leaked = [text for text in english_only if f">{text}<" in html]
        assert leaked == [], path
