"""Structured logs: one JSON object per line with the process's service, the correlation id of the
encounter being handled (when there is one), and a message from which anything that looks like
patient data was removed — a last net under the rule that log calls name keys, codes and counts,
never patients."""

from __future__ import annotations

import json
import logging
import os
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

CORRELATION: ContextVar[str | None] = ContextVar("correlation_id", default=None)
PROCESS = {"service": os.environ.get("TELEBILL_SERVICE", "")}
# What a log line could carry of a patient, each replaced by what it was.
REDACTIONS = (
    (re.compile(r"\b[A-Z][A-Z0-9]{1,2}(\*[^~\s*]*){2,}~?"), "[x12]"),  # an X12 segment: NM1*IL*1*DOE*JANE
    (re.compile(r"\b(18|19|20)\d{2}-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?![0-9])"), "[date]"),
    (re.compile(r"(?<![-\w])\d{9,}\b"), "[number]"),  # member ids, phone numbers, SSNs (not a UUID's digits)
    (re.compile(r"\b[A-TV-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4}\b"), "[dx]"),  # an ICD-10-CM code written with its dot
    (re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{9,}\b"), "[id]"),  # W123456789, 1EG4TE5MK72
)


def redact(text: str) -> str:
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactPhi(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), ()
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": PROCESS["service"],
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        correlation = getattr(record, "correlation_id", None) or CORRELATION.get()
        if correlation:
            line["correlation_id"] = correlation
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = redact(f"{record.exc_info[0].__name__}: {record.exc_info[1]}")
        return json.dumps(line, ensure_ascii=False)


def name_process(service: str) -> None:
    """What every line of this process says it came from."""
    PROCESS["service"] = service


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for every process: faust workers (their `logging_config`) and
    uvicorn (`--log-config`, see `deploy/ops/processes.py`)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "shared.logs.RedactPhi"}},
        "formatters": {"json": {"()": "shared.logs.JsonLines"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            name: {"handlers": ["stderr"], "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
