"""Prometheus metrics shared by the workers; each process serves them on its own port."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from shared.health import READINESS

EVENTS_CONSUMED = Counter("telebill_events_consumed_total", "Records consumed from the input topic", ["service"])
DEAD_LETTERS = Counter("telebill_dead_letters_total", "Records sent to a dead-letter topic", ["service", "topic"])
HANDLER_SECONDS = Histogram("telebill_batch_seconds", "Time to handle one consumed batch", ["service"])
HOLDS = Counter("telebill_holds_total", "Records held for a person to resolve", ["service", "reason"])
RESOLVED = Counter("telebill_holds_resolved_total", "Held records a person resolved", ["service"])
TIMER_FAILURES = Counter("telebill_timer_failures_total", "Timer rounds that failed (the timer goes on)", ["timer"])
CONSUMER_LAG = Gauge(
    "telebill_consumer_lag", "Records of the topic the worker's consumer group has not committed", ["group", "topic"]
)
PUBLISH_SECONDS = Histogram("telebill_publish_seconds", "Time to publish a batch of events until acknowledged")

SERVICE_PORT_OFFSET = {
    "ingest": 0,
    "eligibility": 1,
    "coding": 2,
    "claims": 3,
    "remittance": 4,
    "clearinghouse": 5,
    "ops": 6,
}
INSTANCE_PORT_STRIDE = 10  # instance i of a worker: base + offset + 10*i


def metrics_port(service: str, base_port: int, instance: int = 0) -> int:
    return base_port + SERVICE_PORT_OFFSET[service] + INSTANCE_PORT_STRIDE * instance


def serve_metrics(service: str, base_port: int, host: str = "127.0.0.1", instance: int = 0) -> int:
    """`/metrics` for Prometheus, `/healthz` (the process answers) and `/readyz` (it can work now, or
    503 with the reasons) for supervisors and load balancers, on the service's own port."""
    port = metrics_port(service, base_port, instance)
    server = ThreadingHTTPServer((host, port), ProcessEndpoints)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return port


class ProcessEndpoints(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self.reply(200, "application/json", b'{"status": "ok"}')
        elif path == "/readyz":
            problems = READINESS.problems()
            body = json.dumps({"ready": not problems, "problems": problems}).encode()
            self.reply(503 if problems else 200, "application/json", body)
        else:
            self.reply(200, CONTENT_TYPE_LATEST, generate_latest())

    def reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - scrapes every few seconds are not news
        return
