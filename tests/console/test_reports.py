"""Reports in the console (issue 16, clause 22): an agent opens the charts, a ticket resolved
meanwhile changes the figures, each chart's CSV carries the same numbers, a bad period is
refused beside its field, and the page holds at 390 px without a console error (a CSP
violation by an inline style would be one)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from playwright.async_api import ConsoleMessage, Error, expect

from services.console.web import DESK_ZONE
from shared.auth import Role
from tests.console.conftest import Desk
from tests.console.test_console import signed_in
from tests.intake.helpers import agent, issue, move, new_ticket
from tests.support import eventually

AGENT = "raisa@sviftcommunity.ru"


async def test_a_resolved_ticket_shows_in_the_charts_and_their_csv(desk: Desk) -> None:
    system = desk.system
    await issue(system, Role.agent, email=AGENT)
    ticket = await new_ticket(system, "pavel@example.com", subject="Не приходит чек")
    page = await signed_in(desk, await desk.agent_id(AGENT))
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(message.text)

    def on_error(error: Error) -> None:
        problems.append(str(error))

    page.on("console", on_console)
    page.on("pageerror", on_error)
    today = datetime.now(DESK_ZONE).date()
    weeks = [
        "{}-W{:02d}".format(*(today - timedelta(weeks=n)).isocalendar()[:2])
        for n in range(7, -1, -1)
    ]
    week = weeks[-1]

    # Received, not yet resolved: in the volume and the backlog, no resolution time yet.
    await page.get_by_role("link", name="Отчёты").click()
    await expect(page.get_by_role("heading", name="Отчёты", level=1)).to_be_visible()
    await expect(page.get_by_label("Группировка")).to_have_value("week")
    volume = page.locator("#chart-volume tbody tr", has_text=week)
    await expect(volume.locator("td")).to_have_text(["1"])
    compliance = page.locator("#chart-compliance tbody tr", has_text=week)
    await expect(compliance.locator("td")).to_have_text(["—", "—"])
    backlog = page.locator("#chart-backlog tbody tr", has_text="до 1 ч")
    await expect(backlog.locator("td")).to_have_text(["1"])
    # Eight weeks by default, each a row even without tickets, and a bar for this week.
    await expect(page.locator("#chart-volume tbody tr")).to_have_count(8)
    await expect(page.locator("#chart-volume svg rect.rep-bar")).to_have_count(8)
    await expect(page.locator("#chart-volume svg title").first).to_have_text(
        "Поступившие обращения"
    )

    # Resolved (on a closed day or within the budget: met in time): the figures move.
    staff = await agent(system)
    assert (await move(system, staff, ticket["id"], "resolved")).status_code == 200
    resolution_met = compliance.locator("td").nth(1)

    async def reloaded() -> str | None:
        # The sla service learns of it by an event: the agent reloads until it shows.
        await page.reload()
        return await resolution_met.text_content()

    assert await eventually(reloaded, lambda text: text == "100%", timeout=20, interval=0.5)
    await expect(backlog.locator("td")).to_have_text(["0"])
    await expect(
        page.locator("#chart-breaches tbody tr", has_text=week).locator("td")
    ).to_have_text(["0", "0"])

    # The chart's CSV: its rows and columns, downloaded as a file.
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Скачать CSV: Соблюдение сроков SLA, %").click()
    download = await download_info.value
    assert download.suggested_filename.startswith("compliance-week-")
    rows = list(csv.reader(io.StringIO((await download.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["week", "first_response_met_percent", "resolution_met_percent"]
    assert rows[1:] == [[w, "", ""] for w in weeks[:-1]] + [[week, "100", "100"]], rows
    volume_csv = await page.request.get(
        f"/reports/volume.csv?group_by=channel&from=2026-01-01&to={datetime.now(DESK_ZONE).date()}"
    )
    assert volume_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert volume_csv.headers["content-disposition"].startswith('attachment; filename="volume-')
    assert list(csv.reader(io.StringIO(await volume_csv.text()))) == [
        ["channel", "tickets"],
        ["web", "1"],
    ]

    assert (await page.request.get("/reports/passwords.csv")).status == 404
    assert problems == []

    # A period ending before it starts: the sla service's reason beside the field, kept.
    await page.get_by_label("Период с").fill("2026-12-10")
    await page.get_by_label("по", exact=True).fill("2026-12-01")
    await page.get_by_label("Группировка").select_option("channel")
    await page.get_by_role("button", name="Показать").click()
    await expect(page.locator("#rep-to-error")).to_contain_text("later than from")
    await expect(page.get_by_label("по", exact=True)).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Период с")).to_have_value("2026-12-10")
    await expect(page.get_by_label("Группировка")).to_have_value("channel")

    # The browser notes the refused page's status (422) in its console; nothing else.
    assert [p for p in problems if "422" not in p] == []
    problems.clear()

    # At 390 px: nothing wider than the screen, and not one console error all along.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto("/reports")
    await expect(page.locator("#chart-compliance svg")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await desk.screenshot(page, "reports")
    assert problems == []
