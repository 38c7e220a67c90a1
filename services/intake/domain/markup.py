"""HTML read as text in one forward pass: linear in the input, whatever the input is.

Regular expressions over markup (and Python 3.11's ``html.parser``, on ``<p<p<p…``) take time
that grows with the square of hostile input; this reader looks at each character a bounded
number of times, so a 2 MB tag soup costs what a 2 MB letter does.
"""

from __future__ import annotations

import html
import re

_NAME = re.compile(r"(/?)([A-Za-z][A-Za-z0-9]*)")
# Where a line ends: at a <br>, and at the end of these blocks.
_BLOCKS = frozenset({"p", "div", "li", "tr", "ul", "ol", "table"} | {f"h{n}" for n in range(1, 7)})
# Elements whose content is not text for a reader: skipped up to their end tag.
_HIDDEN = {
    name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style", "head")
}


def html_to_text(markup: str) -> str:
    """What a reader sees of an HTML mail: tags gone, hidden elements and comments dropped,
    line breaks where blocks end, list items bulleted, entities decoded."""
    out: list[str] = []
    pos, end = 0, len(markup)
    close = -1  # the next ">" at or after the current "<", found once, reused while ahead
    while pos < end:
        lt = markup.find("<", pos)
        if lt < 0:
            out.append(html.unescape(markup[pos:]))
            break
        out.append(html.unescape(markup[pos:lt]))
        if markup.startswith("<!--", lt):
            stop = markup.find("-->", lt + 4)
            pos = end if stop < 0 else stop + 3
            continue
        if close <= lt:
            close = markup.find(">", lt + 1)
        if close < 0:  # no tag can end: the rest is text ("a < b")
            out.append(html.unescape(markup[lt:]))
            break
        tag = _NAME.match(markup, lt + 1, close)
        if tag is None:  # "<" not starting a tag ("1 < 2", "<!DOCTYPE"…): text, or skipped
            if markup.startswith("<!", lt) or markup.startswith("<?", lt):
                pos = close + 1
            else:
                out.append("<")
                pos = lt + 1
            continue
        closing, name = tag.group(1), tag.group(2).lower()
        pos = close + 1
        if not closing and name in _HIDDEN:
            found = _HIDDEN[name].search(markup, pos)
            pos = end if found is None else found.end()
        elif name == "li" and not closing:
            out.append("\n• ")
        elif name == "br" or (closing and name in _BLOCKS):
            out.append("\n")
    lines = [" ".join(line.split()) for line in "".join(out).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
