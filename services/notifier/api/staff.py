"""Each staff member's notices: which kinds are mailed, which only shown in the console."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.notifier import staff
from services.notifier.domain.staff import Delivery, StaffMember, all_choices
from shared.auth import AgentDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.contracts.events import Language, StaffNoticeKind
from shared.runtime import ReadUnitDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/staff/me", tags=["staff notices"], responses=PROBLEM_RESPONSES)

KINDS_DESCRIPTION = (
    "per kind: `mail` (mailed and shown in the console), `console` (shown in the console only) "
    "or `off`. Kinds: `request_waiting` (a new request nobody took within "
    "SVIFTDESK_STAFF_WAITING_ALERT_MINUTES; every agent), `customer_replied` (on a ticket you "
    "hold), `sla_warning` (a target nears on a ticket you hold), `queue_sla_warning` (the same "
    "on a ticket nobody holds; every agent; console by default), `escalation_arrived` (seniors), "
    "`ticket_handed_over` (a colleague gave you a ticket)"
)


class NoticePreferencesOut(BaseModel):
    email: str = Field(
        description="the address staff mail goes to: the one your token was issued to"
    )
    language: Language = Field(description="the language of your staff mail")
    kinds: dict[StaffNoticeKind, Delivery] = Field(description=KINDS_DESCRIPTION)


class NoticePreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Language | None = Field(default=None, description="the language of your staff mail")
    kinds: dict[StaffNoticeKind, Delivery] = Field(
        default_factory=dict, description=KINDS_DESCRIPTION + "; kinds left out stay as they are"
    )


def _out(member: StaffMember) -> NoticePreferencesOut:
    return NoticePreferencesOut(
        email=member.email,
        language=Language(member.language),
        kinds=all_choices(member.choices),
    )


@router.get("/notifications", summary="What you are told of, and how (staff)")
async def my_preferences(me: AgentDep, uow: ReadUnitDep) -> NoticePreferencesOut:
    return _out(await staff.preferences_of(uow, me.subject))


@router.patch("/notifications", summary="Choose what you are told of, and how (staff)")
async def change_my_preferences(
    body: NoticePreferencesIn, me: AgentDep, uow: UnitOfWorkDep
) -> NoticePreferencesOut:
    language = body.language.value if body.language else None
    member = await staff.change_preferences(uow, me.subject, language=language, choices=body.kinds)
    return _out(member)
