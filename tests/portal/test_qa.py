"""What a tester found on the portal's pages, kept from coming back."""

from __future__ import annotations

import re

from tests.portal.public import Site, site

__all__ = ["site"]


async def test_pages_name_an_icon_that_loads(site: Site) -> None:
    """Browsers ask every site for an icon: without one named, each customer's first page
    logged a 404 in the console, among the errors a tester looks for."""
    home = await site.browser.get("/")
    found = re.search(r'<link rel="icon" href="([^"]+)"', home.text)
    assert found, "no icon named"
    icon = await site.browser.get(found.group(1))
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
