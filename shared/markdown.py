"""Knowledge-base articles' Markdown (intake stores it as written) as safe HTML: one renderer
for the portal's article pages and the console's preview, so that the preview shows exactly
what a customer will read.

markdown-it-py (CommonMark) with raw HTML off: any tag an author typed is shown as text, never
passed through. Links and images go only to http(s) or to relative addresses; any other
scheme (javascript:, data:, vbscript:, file:, mailto: …) leaves the text unlinked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

SAFE_SCHEMES = frozenset({"http", "https"})
# A scheme as a browser reads one: letters first, then letters, digits, "+", "-", ".".
# markdown-it has already percent-encoded spaces and control characters, so "java\tscript:"
# arrives as "java%09script:", which has no scheme and stays a harmless relative path.
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


def safe_link(url: str) -> bool:
    """Whether ``url`` may be a link's or an image's address: http(s), or relative."""
    match = _SCHEME.match(url.strip())
    return match is None or match.group(1).lower() in SAFE_SCHEMES


def _link_open(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    # An author's link leads away from the site: it gets neither the referrer nor the opener.
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    return renderer.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    parser.validateLink = safe_link  # type: ignore[method-assign]
    parser.add_render_rule("link_open", _link_open)
    return parser


def render(markdown: str) -> Markup:
    """The article's body as HTML, safe to put in a page as it is."""
    html: Any = _parser().render(markdown)
    return Markup(str(html))
