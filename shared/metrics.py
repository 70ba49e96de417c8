"""Prometheus metrics shared by the workers; each process serves them on its own port."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

EVENTS_CONSUMED = Counter("telebill_events_consumed_total", "Records consumed from the input topic", ["service"])
DEAD_LETTERS = Counter("telebill_dead_letters_total", "Records sent to a dead-letter topic", ["service", "topic"])
HANDLER_SECONDS = Histogram("telebill_batch_seconds", "Time to handle one consumed batch", ["service"])
HOLDS = Counter("telebill_holds_total", "Records held for a person to resolve", ["service", "reason"])
RESOLVED = Counter("telebill_holds_resolved_total", "Held records a person resolved", ["service"])
PUBLISH_SECONDS = Histogram("telebill_publish_seconds", "Time to publish a batch of events until acknowledged")

SERVICE_PORT_OFFSET = {"ingest": 0, "eligibility": 1, "coding": 2, "claims": 3, "remittance": 4, "clearinghouse": 5}


def serve_metrics(service: str, base_port: int, host: str = "127.0.0.1") -> int:
    port = base_port + SERVICE_PORT_OFFSET[service]
    start_http_server(port, addr=host)
    return port
