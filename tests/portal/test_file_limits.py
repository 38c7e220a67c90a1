"""A file over intake's limit, sent from the portal's form: the form comes back naming the
file input, with what was typed kept, and nothing is filed."""

from __future__ import annotations

import pytest

from shared.settings import Settings
from tests.portal.public import Site, site

__all__ = ["site"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_attachment_bytes": 64 * 1024})


async def test_a_file_over_the_limit_is_named_beside_the_file_input(site: Site) -> None:
    action = await site.action_of("/new")
    fields = {
        "customer.name": "Олег",
        "customer.email": "oleg@example.com",
        "subject": "Большой журнал",
        "body": "Журнал во вложении.",
    }
    big = {"attachments": ("big.log", b"x" * (200 * 1024), "text/plain")}
    shown = await site.browser.post(action, data=fields, files=big)
    assert shown.status_code == 422, shown.text
    assert 'id="e-attachments"' in shown.text and "big.log" in shown.text
    assert 'value="Большой журнал"' in shown.text
    listed = await site.system.intake.get("/v1/tickets", headers=await site.staff())
    assert listed.json()["items"] == []
