"""What every ops API of the pipeline shares: the API-key and scope check, health and readiness routes,
Prometheus metrics, and a lifespan that builds the service's use cases once — over a Kafka
producer in a real process, or from `make` (fakes) in unit tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pymongo
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from prometheus_client import Counter, Histogram, make_asgi_app
from pydantic import BaseModel
from pymongo.errors import PyMongoError
from starlette.routing import Mount

from shared.audit.http import audit_log_for, audit_requests
from shared.errors import is_transient
from shared.kafka import broker_reachable
from shared.messaging import Publisher
from shared.mongo import sync_database
from shared.settings import Settings, get_settings

Build = Callable[[Settings, Publisher], Any]
HTTP_REQUESTS = Counter(
    "telebill_http_requests_total", "Requests each API answered", ["api", "method", "route", "status"]
)
HTTP_SECONDS = Histogram("telebill_http_request_seconds", "Time to answer a request", ["api", "method", "route"])


MEANINGS = {
    200: "Done (or a repeat of a request already done, answered the same way)",
    201: "Created",
    202: "Accepted: on the broker, processed asynchronously",
    401: "No API key or signature, or one this service does not know (Authorization: Bearer <key>)",
    403: "The key's scope does not allow this route",
    404: "No such record",
    409: "The record's state does not allow this (said in the body)",
    413: "The body is larger than this route takes",
    422: "The request has problems, each named in the body",
    500: "An unexpected error, said without its details (the file or record is kept with the reason)",
    503: "The database or the broker does not answer now: retry after Retry-After seconds",
}


def answers(*codes: int, model: type[BaseModel] | None = None) -> dict[int | str, dict[str, Any]]:
    """A route's OpenAPI `responses` for the status codes it returns besides its usual one; `model`:
    the body of its 2xx answers (a route that answers with a JSONResponse names it here)."""
    found: dict[int | str, dict[str, Any]] = {}
    for code in sorted(set(codes)):
        found[code] = {"description": MEANINGS[code]} | ({"model": model} if model and code < 300 else {})
    return found


def raw_body(media_type: str, description: str) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its body as bytes (a signature or an X12 file)."""
    body = {"description": description, "required": True, "content": {media_type: {"schema": {"type": "string"}}}}
    return {"requestBody": body}


def document_answers(app: FastAPI) -> None:
    """Every operation's OpenAPI also names what any route may answer: 401 and 403 where a key is
    needed, 503 while the database or the broker is away (answer_outages)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes, description=app.description)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                common = (401, 403, 503) if operation.get("security") else (503,)
                for code, meaning in answers(*common).items():
                    responses.setdefault(str(code), meaning)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def use_cases(request: Request) -> Any:
    return request.app.state.use_cases


health = APIRouter()


@health.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


Probe = Callable[[], Awaitable[dict[str, bool]]]
PROBE_SECONDS = 2.0


@health.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready once the use cases are built and while the broker and the service's database answer; the
    body names the one that does not. (An API built from fakes has no probe: built is ready.)"""
    built = getattr(request.app.state, "use_cases", None) is not None
    probe: Probe | None = getattr(request.app.state, "probe", None)
    reachable = await probe() if built and probe else {}
    ready = built and all(reachable.values())
    content = {"ready": ready} | {name: "ok" if ok else "unreachable" for name, ok in reachable.items()}
    return JSONResponse(status_code=200 if ready else 503, content=content)


def dependencies_probe(settings: Settings, service: str) -> Probe:
    """Whether the broker and this service's database answer now, each within PROBE_SECONDS."""

    async def probe() -> dict[str, bool]:
        broker, database = await asyncio.gather(
            broker_reachable(settings.kafka_bootstrap, PROBE_SECONDS), database_answers(settings, service)
        )
        return {"broker": broker, "database": database}

    return probe


async def database_answers(settings: Settings, service: str) -> bool:
    def ping() -> bool:
        try:
            with pymongo.timeout(PROBE_SECONDS):
                sync_database(settings, service).command("ping")
        except PyMongoError:
            return False
        return True

    return await asyncio.to_thread(ping)


async def outage_answer(request: Request, error: Exception) -> JSONResponse:
    """A database or broker that does not answer is a 503 the caller may retry, never a 500."""
    if is_transient(error):
        detail = f"{'broker' if 'kafka' in type(error).__module__ else 'database'} unavailable ({type(error).__name__})"
        return JSONResponse(status_code=503, content={"detail": detail}, headers={"Retry-After": "5"})
    return JSONResponse(status_code=500, content={"detail": f"internal error ({type(error).__name__})"})


def answer_outages(app: FastAPI) -> None:
    from kafka.errors import KafkaError
    from pymongo.errors import PyMongoError

    for kind in (PyMongoError, KafkaError, TimeoutError, ConnectionError):
        app.add_exception_handler(kind, outage_answer)


def ops_app(
    service: str, title: str, router: APIRouter, build: Build, make: Callable[[], Any] | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.audit = audit_log_for(service, faked=make is not None)
        if make is not None:
            app.state.use_cases = make()
            yield
            return
        from shared.kafka import ProducerPublisher, make_producer

        producer = make_producer(get_settings())
        app.state.use_cases = build(get_settings(), ProducerPublisher(producer))
        app.state.probe = dependencies_probe(get_settings(), service)
        try:
            yield
        finally:
            producer.close()

    app = FastAPI(title=title, version="1", lifespan=lifespan)
    count_requests(app)
    answer_outages(app)
    document_answers(app)
    audit_requests(app, service)
    app.include_router(router)
    app.include_router(health)
    app.mount("/metrics", make_asgi_app())
    return app


def count_requests(app: FastAPI) -> None:
    """Requests by route template (`/v1/claims/{key}`, never the key itself: keys can name a patient)
    and status, and their time."""

    @app.middleware("http")
    async def counted(request: Request, call_next: Callable[[Request], Any]) -> Response:
        started = time.perf_counter()
        response: Response = await call_next(request)
        route = route_template(app, request)
        HTTP_REQUESTS.labels(app.title, request.method, route, str(response.status_code)).inc()
        HTTP_SECONDS.labels(app.title, request.method, route).observe(time.perf_counter() - started)
        return response


def route_template(app: FastAPI, request: Request) -> str:
    """The matched route's template; a mounted app (`/metrics`) by its mount path; else "(no route)"."""
    matched = getattr(request.scope.get("route"), "path", None)
    if matched:
        return str(matched)
    mounts = (route.path for route in app.routes if isinstance(route, Mount))
    return next((path for path in mounts if request.url.path.startswith(path)), "(no route)")
