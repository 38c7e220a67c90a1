"""A ticket's SLA for agents: where each target stands, and extensions with a reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.sla.api.models import (
    ExtensionIn,
    SlaEventOut,
    TargetOut,
    TicketSlaHistoryOut,
    TicketSlaOut,
)
from services.sla.clocks import SlaClocks
from services.sla.domain.clock import Target
from services.sla.repository import ClockRecord
from shared.auth import AgentDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.contracts.events import SlaTarget
from shared.policy.calendar import BusinessCalendar
from shared.runtime import ReadUnitDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/tickets", tags=["ticket SLA"], responses=PROBLEM_RESPONSES)


def _clocks(request: Request) -> SlaClocks:
    clocks: SlaClocks = request.app.state.clocks
    return clocks


ClocksDep = Annotated[SlaClocks, Depends(_clocks)]


def _target(target: Target, calendar: BusinessCalendar, now: datetime, paused: bool) -> TargetOut:
    used = target.elapsed(now, calendar)
    if target.met_at is not None:
        state = "met" if target.used <= target.budget else "met_late"
    elif target.breached_at is not None:
        state = "breached"
    else:
        state = "paused" if paused else "running"
    return TargetOut(
        target=target.name,
        budget_minutes=target.budget,
        used_minutes=used,
        left_minutes=max(target.budget - used, 0),
        due_at=target.due_at(calendar),
        running=target.running,
        met_at=target.met_at,
        warned_at=target.warned_at,
        breached_at=target.breached_at,
        state=state,
    )


def sla_view(record: ClockRecord, calendar: BusinessCalendar) -> TicketSlaOut:
    now, clock = datetime.now(UTC), record.clock
    paused = clock.paused_at is not None
    return TicketSlaOut(
        ticket_id=record.ticket_id,
        number=record.number,
        policy_version=clock.policy_version,
        received_at=clock.received_at,
        clock_starts_at=record.clock_starts_at,
        status=record.status,
        paused=paused,
        complexity=record.complexity,
        extension_minutes=record.extension_minutes,
        first_response=_target(clock.first_response, calendar, now, paused),
        resolution=_target(clock.resolution, calendar, now, paused),
    )


@router.get("/sla", summary="The SLA of several tickets at once, e.g. a page of the queue")
async def read_many(
    _agent: AgentDep,
    clocks: ClocksDep,
    uow: ReadUnitDep,
    ticket_id: Annotated[list[uuid.UUID], Query(max_length=500, description="repeat it")],
) -> list[TicketSlaOut]:
    """Those the sla service has a clock for, in no particular order (a ticket filed a moment
    ago may not have one yet)."""
    records = await clocks.find_many(uow, ticket_id)
    return [sla_view(record, clocks.calendar(record)) for record in records]


@router.get(
    "/{ticket_id}/sla",
    summary="Targets, business time used and left, met or breached; warnings, breaches and "
    "extensions",
)
async def read_sla(
    ticket_id: str, _agent: AgentDep, clocks: ClocksDep, uow: ReadUnitDep
) -> TicketSlaHistoryOut:
    record, extensions = await clocks.history(uow, ticket_id)
    events = [
        SlaEventOut(kind=kind, at=at, target=target.name)
        for target in (record.clock.first_response, record.clock.resolution)
        for kind, at in (("warning", target.warned_at), ("breach", target.breached_at))
        if at is not None
    ]
    events += [
        SlaEventOut(
            kind="extension",
            at=row.created_at,
            target=SlaTarget.resolution,
            business_days=row.business_days,
            reason=row.reason,
            agent_id=row.agent_id,
        )
        for row in extensions
    ]
    view = sla_view(record, clocks.calendar(record))
    return TicketSlaHistoryOut(
        **view.model_dump(), history=sorted(events, key=lambda event: event.at)
    )


@router.post(
    "/{ticket_id}/sla/extension",
    summary="Extend the resolution target, with the reason the customer reads",
)
async def extend(
    ticket_id: str,
    body: ExtensionIn,
    agent: AgentDep,
    clocks: ClocksDep,
    uow: UnitOfWorkDep,
) -> TicketSlaOut:
    record = await clocks.extend(
        uow, ticket_id, business_days=body.business_days, reason=body.reason, agent_id=agent.subject
    )
    return sla_view(record, clocks.calendar(record))
