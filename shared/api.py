"""What every ops API of the pipeline shares: the API-key and scope check, health and readiness routes,
Prometheus metrics, and a lifespan that builds the service's use cases once — over a Kafka
producer in a real process, or from `make` (fakes) in unit tests."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import Counter, Histogram, make_asgi_app
from starlette.routing import Mount

from shared.audit.http import audit_log_for, audit_requests
from shared.errors import is_transient
from shared.messaging import Publisher
from shared.settings import Settings, get_settings

Build = Callable[[Settings, Publisher], Any]
HTTP_REQUESTS = Counter(
    "telebill_http_requests_total", "Requests each API answered", ["api", "method", "route", "status"]
)
HTTP_SECONDS = Histogram("telebill_http_request_seconds", "Time to answer a request", ["api", "method", "route"])


def use_cases(request: Request) -> Any:
    return request.app.state.use_cases


health = APIRouter()


@health.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    ready = getattr(request.app.state, "use_cases", None) is not None
    return JSONResponse(status_code=200 if ready else 503, content={"ready": ready})


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
        try:
            yield
        finally:
            producer.close()

    app = FastAPI(title=title, version="1", lifespan=lifespan)
    count_requests(app)
    answer_outages(app)
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
