"""The ticket life cycle as plain rules, without a database: every move, legal or not."""

from __future__ import annotations

import itertools

import pytest

from services.intake.domain import lifecycle
from shared.contracts.events import PartnerRef, TicketStatus
from shared.errors import ConflictError, UnprocessableError
from tests.intake.helpers import LEGAL

S = TicketStatus
PAIRS = list(itertools.product(TicketStatus, TicketStatus))


@pytest.mark.parametrize(
    ("current", "target"), [(a, b) for a, b in PAIRS if b in LEGAL[a]], ids=str
)
def test_every_legal_agent_move(current: TicketStatus, target: TicketStatus) -> None:
    assert lifecycle.agent_move(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"), [(a, b) for a, b in PAIRS if b not in LEGAL[a]], ids=str
)
def test_every_illegal_agent_move_is_a_conflict_naming_the_allowed_ones(
    current: TicketStatus, target: TicketStatus
) -> None:
    with pytest.raises(lifecycle.IllegalTransitionError) as raised:
        lifecycle.agent_move(current, target)
    error = raised.value
    assert error.status == 409
    assert set(error.allowed) == LEGAL[current]
    for allowed in LEGAL[current]:
        assert allowed.value in error.detail
    assert f"cannot move to {target.value}" in error.detail
    if current is S.closed:
        assert "final" in error.detail


def test_nothing_moves_back_to_received_and_closed_is_final() -> None:
    assert all(S.received not in moves for moves in lifecycle.AGENT_MOVES.values())
    assert lifecycle.allowed_moves(S.closed) == ()
    assert set(lifecycle.AGENT_MOVES) == set(TicketStatus)


@pytest.mark.parametrize(
    ("current", "after"),
    [
        (S.received, None),
        (S.open, None),
        (S.in_progress, None),
        (S.waiting_customer, S.in_progress),  # the answer we waited for
        (S.waiting_partner, None),
        (S.in_development, None),
        (S.resolved, S.in_progress),  # reopen
    ],
)
def test_a_customer_reply_resumes_or_reopens(
    current: TicketStatus, after: TicketStatus | None
) -> None:
    assert lifecycle.after_customer_reply(current) == after


def test_a_customer_cannot_write_on_a_closed_ticket() -> None:
    with pytest.raises(lifecycle.TicketClosedError) as raised:
        lifecycle.after_customer_reply(S.closed)
    assert raised.value.status == 409 and "new request" in raised.value.detail


@pytest.mark.parametrize("current", list(TicketStatus))
def test_an_agent_reply_starts_the_work_and_a_note_moves_nothing(current: TicketStatus) -> None:
    assert lifecycle.after_agent_reply(current, internal=True) is None
    if current is S.closed:
        with pytest.raises(lifecycle.TicketClosedError):
            lifecycle.after_agent_reply(current, internal=False)
        return
    expected = S.in_progress if current in (S.received, S.open) else None
    assert lifecycle.after_agent_reply(current, internal=False) == expected


@pytest.mark.parametrize("current", list(TicketStatus))
def test_claiming_opens_a_received_ticket_only(current: TicketStatus) -> None:
    assert lifecycle.after_claim(current) == (S.open if current is S.received else None)


def test_a_move_carries_what_the_customer_and_the_desk_need() -> None:
    partner = PartnerRef(name="PayCo", reference="PC-17")
    for note in (None, "", "   "):
        with pytest.raises(UnprocessableError) as raised:
            lifecycle.check_details(S.resolved, note, None)
        assert raised.value.errors == [
            {"field": "note", "reason": "resolving needs the resolution summary the customer reads"}
        ]
    with pytest.raises(UnprocessableError, match="partner"):
        lifecycle.check_details(S.waiting_partner, None, None)
    with pytest.raises(UnprocessableError, match="only when moving to waiting_partner"):
        lifecycle.check_details(S.in_progress, None, partner)
    lifecycle.check_details(S.resolved, "Fixed the payment page.", None)
    lifecycle.check_details(S.waiting_partner, None, partner)
    lifecycle.check_details(S.waiting_customer, None, None)


@pytest.mark.parametrize("current", list(TicketStatus))
def test_a_rating_comes_after_resolution_once(current: TicketStatus) -> None:
    if current in (S.resolved, S.closed):
        lifecycle.check_rating(current, rated_since_resolution=False)
        with pytest.raises(lifecycle.AlreadyRatedError):
            lifecycle.check_rating(current, rated_since_resolution=True)
    else:
        with pytest.raises(ConflictError, match="once it is resolved"):
            lifecycle.check_rating(current, rated_since_resolution=False)


def test_a_closed_ticket_takes_no_more_requests() -> None:
    for current in TicketStatus:
        if current is S.closed:
            with pytest.raises(lifecycle.TicketClosedError):
                lifecycle.check_open_for_requests(current)
        else:
            lifecycle.check_open_for_requests(current)
