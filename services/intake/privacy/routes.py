"""A customer's personal data on request (clauses 19, 24): an admin exports or erases it once
the customer has shown the address is theirs. POST bodies keep the address out of URLs and
access logs."""

from __future__ import annotations

from fastapi import APIRouter

from services.intake.privacy import use_cases as privacy
from services.intake.privacy.schemas import CustomerDataOut, ErasureOut, PrivacyRequestIn
from services.intake.schemas import INTAKE_PROBLEMS
from shared.auth import AdminDep
from shared.runtime import ReadUnitDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/privacy", tags=["privacy"], responses=INTAKE_PROBLEMS)


@router.post("/export", summary="Everything kept of a customer, as JSON (admins)")
async def export(body: PrivacyRequestIn, _admin: AdminDep, uow: ReadUnitDep) -> CustomerDataOut:
    """The customer, their tickets with the public conversation, attachments' names, ratings,
    and their feedback. 404 if nothing is kept for the address."""
    return await privacy.export(uow, body)


@router.post("/erasure", summary="Erase a customer's personal data (admins)")
async def erase(body: PrivacyRequestIn, _admin: AdminDep, uow: UnitOfWorkDep) -> ErasureOut:
    """Blanks the customer's address and name, their tickets' subjects, bodies, conversation,
    attachments, rating comments, mail and feedback, in intake and (by ``customer.erased``) in
    every other service. Numbers, times, statuses and scores stay for the reports. 409 while
    any of their tickets is not closed; 404 if nothing is kept for the address."""
    return await privacy.erase(uow, body)
