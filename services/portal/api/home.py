"""The home page: what the portal is for, and how to reach the desk."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.portal.web import page

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request) -> HTMLResponse:
    return page(request, "home.html.j2")
