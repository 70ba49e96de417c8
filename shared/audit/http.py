"""Every API call that needs a credential, and every signed platform submission to ingest, leaves an
audit entry: who (the credential's name), when,
what (the route and its keys; a patient or member id in the query only as its keyed hash), why (the
`X-Telebill-Purpose` header) and the outcome (the status code, refusals included). A call whose entry
cannot be written is answered 503: nothing is disclosed unaudited. Admins list entries at `/v1/audit`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.datastructures import QueryParams

from shared.access import ADMINS, authorized
from shared.audit.log import AuditLog, AuditQuery, InMemoryAuditLog, MongoAuditLog, chain_mac, moment
from shared.logs import name_process
from shared.mongo import async_database
from shared.phi.ring import process_ring
from shared.settings import get_settings

log = logging.getLogger(__name__)
PURPOSE_HEADER = "X-Telebill-Purpose"
PHI_QUERY = ("patient_id", "member_id")
NO_CREDENTIAL = "(no valid credential)"


def audit_log_for(service: str, faked: bool) -> AuditLog:
    """The service's own audit collection; in memory when the app runs over fakes (unit tests)."""
    if faked:
        return InMemoryAuditLog(f"{service}-api/test")
    settings = get_settings()
    chain = f"{service}-api/{settings.instance}"
    return MongoAuditLog(async_database(settings, service), chain, chain_mac(process_ring()))


def audit_requests(app: FastAPI, service: str) -> None:
    name_process(f"{service}-api")
    app.include_router(router)

    @app.middleware("http")
    async def audited(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        route = request.scope.get("route")
        audited = getattr(request.state, "audit_who", None) or (
            isinstance(route, APIRoute) and needs_credential(route.dependant)
        )
        if not audited or not isinstance(route, APIRoute):
            return response
        try:
            await request.app.state.audit.append(entry_fields(request, route, response.status_code))
        except Exception as error:  # any failure to record must withhold the answer
            log.error("audit entry not written (%s): answering 503", type(error).__name__)
            return JSONResponse(status_code=503, content={"detail": "the audit log cannot be written now"})
        return response


def needs_credential(dependant: Dependant) -> bool:
    return any(dep.call is authorized or needs_credential(dep) for dep in dependant.dependencies)


def entry_fields(request: Request, route: APIRoute, status: int) -> dict[str, Any]:
    operator = getattr(request.state, "operator", None)
    who = operator.name if operator else getattr(request.state, "audit_who", None) or NO_CREDENTIAL
    keys = [str(value) for value in request.path_params.values()] + getattr(request.state, "audit_keys", [])
    return {
        "at": moment(datetime.now(UTC)),
        "who": who,
        "action": request.method,
        "resource": route.path,
        "keys": keys,
        "query": audited_query(request.query_params),
        "purpose": request.headers.get(PURPOSE_HEADER, "")[:200],
        "outcome": status,
    }


def audited_query(params: QueryParams) -> dict[str, str]:
    ring = process_ring()
    return {name: ring.lookup(value, name) if name in PHI_QUERY else value for name, value in params.items()}


router = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditPage(BaseModel):
    count: int
    entries: list[dict[str, Any]] = Field(description="who, when, route, resource, key, purpose, chained hash")


@router.get("", dependencies=ADMINS, response_model=AuditPage)
async def audit_entries(
    request: Request,
    who: str | None = None,
    resource: str | None = None,
    key: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """This API's audit entries, newest first (admins only; this read is audited too)."""
    query = AuditQuery(who, resource, key, aware(since), aware(until), limit)
    entries = await request.app.state.audit.find(query)
    return {"count": len(entries), "entries": entries}


def aware(moment_: datetime | None) -> datetime | None:
    return moment_.replace(tzinfo=UTC) if moment_ is not None and moment_.tzinfo is None else moment_
