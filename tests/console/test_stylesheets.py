"""The pages' stylesheets, read as a browser would: every block closed where it was opened.

Two merges once dropped the closing brace of a phone-only ``@media`` block in console.css,
and every section after it (the knowledge base's, the admin pages') applied on phones only:
at desktop width an article's preview with a wide table ran 7000 px past the window.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STYLESHEETS = sorted(
    [*ROOT.glob("services/console/static/*.css"), *ROOT.glob("services/portal/static/*.css")]
)


def _rules(css: str) -> list[tuple[int, str]]:
    """Each block's opening, with how deep it is nested (comments and strings left out)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\"[^\"]*\"|'[^']*'", '""', css)
    opened, depth, start = [], 0, 0
    for index, char in enumerate(css):
        if char == "{":
            opened.append((depth, css[start:index].strip()))
            depth += 1
            start = index + 1
        elif char in "};":
            if char == "}":
                depth -= 1
                near = css[max(0, index - 80) : index]
                assert depth >= 0, f"a '}}' closes nothing near: {near!r}"
            start = index + 1
    assert depth == 0, f"{depth} block(s) never closed"
    return opened


def test_there_are_stylesheets_to_read() -> None:
    assert {p.name for p in STYLESHEETS} >= {"console.css", "portal.css"}


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda p: p.name)
def test_every_block_is_closed_and_no_media_query_holds_another(path: Path) -> None:
    for depth, prelude in _rules(path.read_text(encoding="utf-8")):
        if prelude.startswith("@media"):
            assert depth == 0, f"{path.name}: {prelude!r} is inside another block"
