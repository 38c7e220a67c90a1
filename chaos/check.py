"""What `make chaos` concludes from what it saw: plain data in, a verdict out, no I/O, so the
checker itself is tested (tests/platform/test_chaos_check.py).

An outage may delay, never drop: every request answered 201 (HTTP) or 250 (SMTP) is exactly one
ticket, with the number the answer named, and every ticket has exactly one receipt in the
notifier's delivery log, sent, and one SLA clock."""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Each request carries a marker of its own in its subject: how its ticket is found in the
# database whether or not an answer ever reached the client.
MARKER = re.compile(r"chaos-[hm]-\d+")


@dataclass(frozen=True)
class Request:
    """One ticket asked for (HTTP or SMTP), however often it was retried."""

    marker: str
    channel: str  # "http" or "smtp"
    answers: tuple[str, ...]  # each try's answer: "201", "503", "451", "refused", ...
    accepted_at: float | None = None  # wall clock of the 201/250, if one came
    number: str | None = None  # the ticket number that answer named


@dataclass(frozen=True)
class Ticket:
    id: str
    number: str
    subject: str


@dataclass(frozen=True)
class Receipt:
    ticket_id: str
    status: str  # the delivery log's: pending, sent, failed (parked), ...
    sent_at: float | None


@dataclass(frozen=True)
class Fault:
    name: str
    down_at: float
    up_at: float  # when the restarted part answered again


@dataclass(frozen=True)
class Recovery:
    fault: Fault
    filing_paused: float  # the longest wait between two accepted requests across the fault
    # After up_at, until the requests the fault caught (accepted during it, or else the last
    # one before it) had their receipts mailed; None: one never was.
    caught_up: float | None


@dataclass
class Verdict:
    filed: int = 0
    accepted: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    tickets: int = 0
    receipts_sent: int = 0
    clocks: int = 0
    parked_events: int = 0
    # Seconds from each 201/250 to its receipt's sending.
    receipt_delays: list[float] = field(default_factory=list)
    recoveries: list[Recovery] = field(default_factory=list)
    # What broke the promise, one line each; empty: nothing lost, nothing doubled.
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    requests: Sequence[Request],
    tickets: Iterable[Ticket],
    receipts: Iterable[Receipt],
    clocks: Iterable[str],
    *,
    parked_events: int = 0,
    faults: Sequence[Fault] = (),
) -> Verdict:
    tickets = list(tickets)
    by_marker: dict[str, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        if marker := MARKER.search(ticket.subject):
            by_marker[marker.group()].append(ticket)
    receipts_of: dict[str, list[Receipt]] = defaultdict(list)
    for receipt in receipts:
        receipts_of[receipt.ticket_id].append(receipt)
    clocked = Counter(clocks)
    verdict = Verdict(
        filed=len(requests),
        accepted=sum(r.accepted_at is not None for r in requests),
        tickets=len(tickets),
        clocks=sum(clocked.values()),
        parked_events=parked_events,
    )
    problems = verdict.problems
    for request in requests:
        verdict.answers.update(request.answers)
        found = by_marker.get(request.marker, [])
        if len(found) > 1:
            numbers = ", ".join(t.number for t in found)
            problems.append(f"{request.marker}: doubled, {len(found)} tickets ({numbers})")
        if request.accepted_at is None:
            continue
        if not found:
            problems.append(
                f"{request.marker}: LOST, answered {request.number or 'accepted'} over "
                f"{request.channel} but no such ticket"
            )
        elif request.number is None:
            problems.append(f"{request.marker}: accepted but not filed (the answer named none)")
        elif request.number not in {t.number for t in found}:
            problems.append(
                f"{request.marker}: answered {request.number}, filed as {found[0].number}"
            )
        verdict.receipt_delays += [
            r.sent_at - request.accepted_at
            for ticket in found
            for r in receipts_of.get(ticket.id, [])
            if r.sent_at is not None
        ]
    for ticket in tickets:
        mine = receipts_of.get(ticket.id, [])
        sent = [r for r in mine if r.status == "sent"]
        verdict.receipts_sent += len(sent)
        if len(mine) != 1 or len(sent) != 1:
            statuses = ", ".join(r.status for r in mine) or "none"
            problems.append(f"{ticket.number}: {len(mine)} receipts ({statuses}), 1 sent wanted")
        if clocked[ticket.id] != 1:
            problems.append(f"{ticket.number}: {clocked[ticket.id]} SLA clocks, 1 wanted")
    if parked_events:
        problems.append(f"{parked_events} events parked (a consumer gave up on them)")
    verdict.recoveries = [_recovery(fault, requests, tickets, receipts_of) for fault in faults]
    return verdict


def _recovery(
    fault: Fault,
    requests: Sequence[Request],
    tickets: Sequence[Ticket],
    receipts_of: dict[str, list[Receipt]],
) -> Recovery:
    accepted = sorted((r.accepted_at, r.marker) for r in requests if r.accepted_at is not None)
    # The longest gap between acceptances that overlaps the outage: how long filing waited.
    paused = 0.0
    for (before, _), (after, _) in itertools.pairwise(accepted):
        if after >= fault.down_at and before <= fault.up_at:
            paused = max(paused, after - before)
    # The work the fault caught: what was accepted while it lasted, or else the last request
    # accepted before it.
    during = [m for at, m in accepted if fault.down_at <= at <= fault.up_at]
    caught = set(during or [m for at, m in accepted if at < fault.down_at][-1:])
    sent = [
        receipt.sent_at
        for ticket in tickets
        if (marker := MARKER.search(ticket.subject)) and marker.group() in caught
        for receipt in receipts_of.get(ticket.id, [])
    ]
    caught_up = None
    if sent and None not in sent:
        caught_up = max(0.0, max(s for s in sent if s is not None) - fault.up_at)
    return Recovery(fault, paused, caught_up)


def _spread(seconds: list[float]) -> str:
    if not seconds:
        return "-"
    ordered = sorted(seconds)
    return (
        f"median {statistics.median(ordered):.1f} s, 95% within "
        f"{ordered[int(0.95 * (len(ordered) - 1))]:.1f} s, slowest {ordered[-1]:.1f} s"
    )


def report(verdict: Verdict) -> str:
    answers = ", ".join(f"{code} x{n}" for code, n in sorted(verdict.answers.items()))
    lines = [
        f"tickets filed (requests):  {verdict.filed}",
        f"accepted (201/250):        {verdict.accepted}",
        f"answers, retries included: {answers}",
        f"tickets in intake:         {verdict.tickets}",
        f"receipts mailed (sent):    {verdict.receipts_sent}",
        f"  after the 201/250:       {_spread(verdict.receipt_delays)}",
        f"SLA clocks started:        {verdict.clocks}",
        f"events parked:             {verdict.parked_events}",
        "recovery after each fault:",
    ]
    for recovery in verdict.recoveries:
        fault = recovery.fault
        caught_up = "never" if recovery.caught_up is None else f"{recovery.caught_up:5.1f} s after"
        lines.append(
            f"  {fault.name:<30} back after {fault.up_at - fault.down_at:5.1f} s; "
            f"filing waited at most {recovery.filing_paused:5.1f} s; receipts caught up "
            f"{caught_up}"
        )
    if verdict.problems:
        lines.append(f"FAILED: {len(verdict.problems)} problems")
        lines += [f"  {problem}" for problem in verdict.problems[:50]]
        if len(verdict.problems) > 50:
            lines.append(f"  … and {len(verdict.problems) - 50} more")
    else:
        lines.append("OK: every accepted request is one ticket with one receipt and one clock")
    return "\n".join(lines)
