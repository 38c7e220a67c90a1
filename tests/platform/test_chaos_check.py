"""`make chaos` is only as good as its checker: an accepted request without its ticket, a
doubled ticket, a missing or second receipt, a missing clock or a parked event each fail the
run, and a clean run passes (chaos/check.py, on a short run's worth of data)."""

from __future__ import annotations

from chaos.check import Fault, Receipt, Request, Ticket, report, verify


def _run() -> tuple[list[Request], list[Ticket], list[Receipt], list[str]]:
    """Three requests: one answered at once, one after an outage (503, then 201 on retry),
    one by mail; each its ticket, receipt and clock."""
    requests = [
        Request("chaos-h-000001", "http", ("201",), 100.0, "SC-000001"),
        Request("chaos-h-000002", "http", ("503", "ConnectError", "201"), 110.0, "SC-000003"),
        Request("chaos-m-000001", "smtp", ("451", "250"), 111.0, "SC-000002"),
    ]
    tickets = [
        Ticket("t1", "SC-000001", "Не проходит оплата chaos-h-000001"),
        Ticket("t2", "SC-000002", "Не приходит код chaos-m-000001"),
        Ticket("t3", "SC-000003", "Не проходит оплата chaos-h-000002"),
    ]
    receipts = [
        Receipt("t1", "sent", 101.0),
        Receipt("t2", "sent", 115.0),
        Receipt("t3", "sent", 118.0),
    ]
    return requests, tickets, receipts, ["t1", "t2", "t3"]


def test_a_clean_run_passes_with_its_counts_and_recovery() -> None:
    requests, tickets, receipts, clocks = _run()
    quiet = Fault("RabbitMQ killed", down_at=102.0, up_at=108.0)
    busy = Fault("PostgreSQL restarted", down_at=105.0, up_at=112.0)

    verdict = verify(requests, tickets, receipts, clocks, faults=[quiet, busy])

    assert verdict.ok, verdict.problems
    assert (verdict.filed, verdict.accepted, verdict.tickets) == (3, 3, 3)
    assert (verdict.receipts_sent, verdict.clocks) == (3, 3)
    assert verdict.answers["503"] == 1 and verdict.answers["201"] == 2
    assert sorted(verdict.receipt_delays) == [1.0, 4.0, 8.0]
    first, second = verdict.recoveries
    assert first.filing_paused == 10.0  # nothing accepted between 100 and 110
    assert first.caught_up == 0.0  # nothing accepted during it; the one before was mailed at once
    # Two accepted during the second; the later receipt went 6 s after it ended.
    assert (second.filing_paused, second.caught_up) == (10.0, 6.0)
    assert "OK" in report(verdict)


def test_what_an_outage_must_not_do_fails_the_run() -> None:
    requests, tickets, receipts, clocks = _run()
    requests += [
        # Answered 201, yet no ticket has its marker: lost.
        Request("chaos-h-000003", "http", ("201",), 120.0, "SC-000009"),
        # Never answered: not lost, but its two tickets are a double.
        Request("chaos-h-000004", "http", ("500", "ReadTimeout")),
        # Answered 250 without a number: kept, not filed.
        Request("chaos-m-000002", "smtp", ("250",), 121.0, None),
    ]
    tickets += [
        Ticket("t4", "SC-000004", "x chaos-h-000004"),
        Ticket("t5", "SC-000005", "x chaos-h-000004"),
        Ticket("t6", "SC-000006", "x chaos-m-000002"),
    ]
    receipts += [
        Receipt("t4", "sent", 130.0),
        Receipt("t4", "sent", 131.0),  # a second receipt
        Receipt("t5", "failed", None),  # parked, never sent
        # t6: none at all
    ]
    clocks += ["t4", "t5"]  # t6 has no clock

    verdict = verify(requests, tickets, receipts, clocks, parked_events=2)

    assert not verdict.ok
    problems = "\n".join(verdict.problems)
    assert "chaos-h-000003: LOST" in problems
    assert "chaos-h-000004: doubled, 2 tickets" in problems
    assert "chaos-m-000002: accepted but not filed" in problems
    assert "SC-000004: 2 receipts" in problems
    assert "SC-000005: 1 receipts (failed)" in problems
    assert "SC-000006: 0 receipts" in problems
    assert "SC-000006: 0 SLA clocks" in problems
    assert "2 events parked" in problems
    assert len(verdict.problems) == 8
    assert report(verdict).count("FAILED") == 1
