"""Partner webhooks: subscribe a URL to event types; each delivery is signed."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, field_validator

from services.notifier import subscriptions
from services.notifier.destinations import DestinationGuard, DestinationRefusedError
from services.notifier.domain.webhooks import DELIVERED
from shared.auth import Principal, Role, require
from shared.contracts.api import PROBLEM_RESPONSES
from shared.errors import UnprocessableError
from shared.ratelimit import RATE_LIMITED
from shared.runtime import ReadUnitDep, RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=PROBLEM_RESPONSES)
PartnerDep = Annotated[Principal, Depends(require(Role.partner, scope="webhooks"))]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl = Field(max_length=2000, description="where to POST events: a public https URL")
    events: list[str] = Field(
        min_length=1,
        max_length=50,
        description=f'event types a webhook is sent, or ["*"] for all: {", ".join(DELIVERED)}',
    )

    @field_validator("events")
    @classmethod
    def _delivered(cls, events: list[str]) -> list[str]:
        unknown = sorted(set(events) - set(DELIVERED) - {"*"})
        if unknown:
            raise ValueError(
                f"event types never sent to a webhook {unknown}; "
                f"a webhook may name: {', '.join(DELIVERED)}, or *"
            )
        return sorted(set(events))


def _refused(field: str, reason: str) -> UnprocessableError:
    return UnprocessableError(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


class WebhookOut(BaseModel):
    id: uuid.UUID
    url: str
    events: list[str]
    created_at: AwareDatetime | None = None


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="signs every delivery; shown once, keep it safe")


async def _checked(
    body: WebhookIn, request: Request, runtime: RuntimeDep, partner: PartnerDep
) -> WebhookIn:
    """The partner's budget and the destination, checked before the unit of work opens: the
    destination check resolves a name, and no unit is held across network I/O."""
    await runtime.limiter.partner(partner.subject)
    guard: DestinationGuard = request.app.state.webhook_guard
    try:
        await guard.check(str(body.url))
    except DestinationRefusedError as exc:
        raise _refused("url", f"{exc}; webhooks go to public destinations only") from None
    return body


@router.post("", status_code=201, summary="Subscribe a URL to event types", responses=RATE_LIMITED)
async def subscribe(
    body: Annotated[WebhookIn, Depends(_checked)],
    runtime: RuntimeDep,
    partner: PartnerDep,
    uow: UnitOfWorkDep,
) -> WebhookCreatedOut:
    secret = secrets.token_urlsafe(32)
    webhook_id = await subscriptions.subscribe(
        uow,
        partner.subject,
        url=str(body.url),
        event_types=body.events,
        secret=secret,
        limit=runtime.settings.deliveries.webhook_max_per_partner,
    )
    return WebhookCreatedOut(id=webhook_id, url=str(body.url), events=body.events, secret=secret)


@router.get("", summary="This partner's subscriptions")
async def list_webhooks(partner: PartnerDep, uow: ReadUnitDep) -> list[WebhookOut]:
    hooks = await subscriptions.of_partner(uow, partner.subject)
    return [
        WebhookOut(id=h.id, url=h.url, events=h.event_types, created_at=h.created_at) for h in hooks
    ]


@router.delete("/{webhook_id}", status_code=204, summary="Unsubscribe")
async def unsubscribe(webhook_id: uuid.UUID, partner: PartnerDep, uow: UnitOfWorkDep) -> Response:
    await subscriptions.unsubscribe(uow, webhook_id, partner.subject)
    return Response(status_code=204)
