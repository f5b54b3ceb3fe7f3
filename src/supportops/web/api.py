"""The JSON API: one endpoint behind every page, each returning the data the page shows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from supportops.web.dashboard import QUEUE_SORTS, Dashboard
from supportops.web.schemas import (
    ErrorResponse,
    Health,
    Overview,
    ReviewPage,
    SlaQueue,
    TicketPage,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Not found"},
    422: {"model": ErrorResponse, "description": "A query parameter is not valid"},
    503: {"model": ErrorResponse, "description": "The store has no data or cannot be read"},
}

router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)

NO_REVIEW = (
    "no weekly review yet: the store holds no complete week (Monday to Sunday) of tickets; "
    "import more history"
)


def dashboard(request: Request) -> Dashboard:
    board = request.app.state.dashboard
    assert isinstance(board, Dashboard)
    return board


QueueFilter = Annotated[str | None, Query(max_length=200)]
Sort = Annotated[
    str,
    Query(description=f"One of {', '.join(QUEUE_SORTS)}; most urgent first.", max_length=20),
]
Limit = Annotated[int, Query(ge=1, le=5000, description="At most this many clocks.")]
TicketId = Annotated[
    str, Path(description="The canonical id (demo:10014) or the source's own id (10014).")
]


@router.get("/health", response_model=Health, summary="Is the server up, and what it serves")
def health(request: Request) -> dict[str, Any]:
    return {**dashboard(request).health(), "read_only": request.app.state.read_only}


@router.get("/overview", response_model=Overview, summary="The overview scorecard")
def overview(request: Request) -> dict[str, Any]:
    return dashboard(request).overview()


@router.get("/sla", response_model=SlaQueue, summary="The SLA queue: open clocks")
def sla(
    request: Request,
    priority: QueueFilter = None,
    tier: QueueFilter = None,
    group: QueueFilter = None,
    level: QueueFilter = None,
    metric: QueueFilter = None,
    status: QueueFilter = None,
    sort: Sort = "deadline",
    limit: Limit = 500,
) -> dict[str, Any]:
    filters = {
        "priority": priority,
        "tier": tier,
        "group": group,
        "level": level,
        "metric": metric,
        "status": status,
    }
    return dashboard(request).sla_queue(filters, sort, limit)


@router.get(
    "/tickets/{ticket_id:path}",
    response_model=TicketPage,
    summary="One ticket: header, clocks, SLA explanation, timeline",
)
def ticket(request: Request, ticket_id: TicketId) -> dict[str, Any]:
    return dashboard(request).ticket(ticket_id)


@router.get("/review", response_model=ReviewPage, summary="The latest weekly escalation review")
def review(request: Request) -> dict[str, Any]:
    document = dashboard(request).review()
    if document is None:
        return {"available": False, "message": NO_REVIEW, "review": None}
    return {"available": True, "message": "", "review": dict(document)}
