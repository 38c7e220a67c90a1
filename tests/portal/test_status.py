"""The desk's status page over HTTP: open or closed now with the next opening, the holidays
ahead, and any incident in progress with its updates (and none once it is resolved)."""

from __future__ import annotations

from shared.auth import Role
from tests.escalation.helpers import staff
from tests.portal.public import Site, site

__all__ = ["site"]


async def test_status_shows_the_desk_the_holidays_and_incidents(site: Site) -> None:
    calm = await site.browser.get("/status")
    assert calm.status_code == 200
    text = calm.text
    opened = (await site.system.clients["sla"].get("/v1/calendar/open")).json()
    if opened["open"]:
        assert "Поддержка работает" in text
    else:
        assert "Поддержка сейчас не работает." in text and "Мы откроемся:" in text
    assert "Праздничные дни впереди" in text and "Известных сбоев нет." in text

    escalation, agent = site.system.clients["escalation"], staff(site.system, Role.agent)
    body = {"title": "Оплата картой недоступна", "summary": "Платёжный шлюз не отвечает."}
    declared = (await escalation.post("/v1/incidents", json=body, headers=agent)).json()
    update = {"text": "Оплата работает с задержкой."}
    await escalation.post(f"/v1/incidents/{declared['id']}/updates", json=update, headers=agent)
    troubled = await site.browser.get("/status", headers={"Accept-Language": "en"})
    assert "Known problems" in troubled.text and "Оплата картой недоступна" in troubled.text
    assert "Оплата работает с задержкой." in troubled.text
    assert "Holidays ahead" in troubled.text

    resolve = {"summary": "Шлюз восстановлен."}
    await escalation.post(f"/v1/incidents/{declared['id']}/resolve", json=resolve, headers=agent)
    after = await site.browser.get("/status")
    assert "Оплата картой недоступна" not in after.text
