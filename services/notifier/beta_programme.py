"""The beta programme (clause 28): a customer joins or leaves by the link in our mail; an
admin's invitation goes once to each member, in their language."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.notifier import repository
from shared.db import wake_after_commit
from shared.errors import NotFoundError
from shared.unit_of_work import UnitOfWork


class LinkNotValidError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("This link is not valid; use the link from one of our emails.")


async def set_membership(uow: UnitOfWork, email: str, *, opted_in: bool) -> None:
    """Join or leave, as the customer the link was mailed to (``email``, from its signature);
    an address the desk never wrote to has no membership to change."""
    contact = await repository.latest_contact_by_email(uow.session, email)
    if contact is None:
        raise LinkNotValidError()
    await repository.set_beta_membership(
        uow.session,
        email=email,
        name=contact.name,
        language=contact.language,
        opted_in=opted_in,
        at=datetime.now(UTC),
    )


async def invite(
    uow: UnitOfWork, *, feature: str, text_ru: str, text_en: str
) -> tuple[uuid.UUID, int]:
    """Mail the invitation to every member; its id, and how many it goes to."""
    invitation_id, now = uuid.uuid4(), datetime.now(UTC)
    members = await repository.beta_members(uow.session)
    for member in members:
        await repository.add_delivery(
            uow.session,
            # One invitation gives each member one mail, however often it is retried.
            event_id=f"beta-invitation:{invitation_id}",
            event_type="beta.invitation",
            ticket_id=None,
            channel="email",
            recipient=member.email,
            template="beta_invitation",
            language=member.language,
            context={
                "name": member.name,
                "feature": feature,
                "text": text_ru if member.language == "ru" else text_en,
            },
            next_attempt_at=now,
        )
    await repository.add_invitation(
        uow.session,
        invitation_id=invitation_id,
        feature=feature,
        text_ru=text_ru,
        text_en=text_en,
        recipients=len(members),
        created_at=now,
    )
    wake_after_commit(uow.session, "deliveries")
    return invitation_id, len(members)
