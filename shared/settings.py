"""Settings for every process, read from `TELEBILL_*` environment variables."""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_INGEST_SECRET = "telebill-development-secret"
DEV_OPS_TOKEN = "telebill-development-ops-token"


def default_home() -> Path:
    return Path(os.environ.get("TELEBILL_CACHE", Path.home() / ".cache" / "telebill"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TELEBILL_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    kafka_bootstrap: str = "127.0.0.1:9092"
    mongo_url: str = "mongodb://127.0.0.1:27017/"
    ops_mongo_url: str = Field(
        "", description="The ops read model's own server (empty: mongo_url), so its writes never share the pipeline's."
    )
    db_prefix: str = Field("telebill", description="Each service's database is <prefix>_<service>.")
    mongo_max_pool_size: int = Field(
        8, ge=1, le=50, description="Concurrent database commands per client (FerretDB holds 100 per database)."
    )
    mongo_timeout_ms: int = Field(30_000, ge=100, description="Time limit of every database command (client side).")
    mongo_stuck_seconds: float = Field(20.0, gt=0, description="A command older than this makes the process not ready.")
    topic_partitions: int = Field(6, ge=1)
    state_dir: Path = Field(default_factory=lambda: default_home() / "state")
    ingest_secrets: dict[str, str] = Field(
        default_factory=dict, description='Per-source HMAC secrets, JSON: {"acme-video": "..."}'
    )
    ingest_host: str = "127.0.0.1"
    ingest_port: int = 8080
    ingest_max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="Largest request body read.")
    ingest_max_batch: int = Field(500, ge=1, description="Most encounters in one request.")
    ingest_max_record_bytes: int = Field(
        900_000, ge=1024, lt=1_048_576, description="Largest encounter record: below Kafka's 1 MiB message.max.bytes."
    )
    ingest_max_json_depth: int = Field(32, ge=8, le=200, description="Deepest JSON nesting of a request body.")
    ingest_broker_timeout_seconds: float = Field(3.0, gt=0, le=30, description="Then the ingest API answers 503.")
    ingest_database_timeout_seconds: float = Field(3.0, gt=0, le=30, description="Then the ingest API answers 503.")
    ingest_years_back: int = Field(3, ge=1, le=30, description="Dates of service older than this many years: 422.")
    ingest_days_ahead: int = Field(1, ge=0, le=7, description="Dates later than today + this many days: 422.")
    ingest_earliest_birth_date: date = Field(date(1900, 1, 1), description="Birth dates before this: 422.")
    ops_token: str = Field(DEV_OPS_TOKEN, description="Bearer token for the services' ops endpoints.")
    coding_api_port: int = 8081
    eligibility_api_port: int = 8082
    claims_api_port: int = 8083
    remittance_api_port: int = 8084
    ops_api_port: int = 8085
    owner_api_urls: dict[str, str] = Field(
        default_factory=dict, description="API program → base URL, where not on ingest_host at its port (compose)."
    )
    clearinghouse_port: int = 8090
    eligibility_gateway_url: str = Field(
        "", description="Real-time 270/271 endpoint; empty = the simulator on clearinghouse_port."
    )
    eligibility_gateway_user: str = "telebill"
    eligibility_gateway_password: str = "telebill-development-password"
    eligibility_timeout_seconds: float = Field(2.0, gt=0)
    eligibility_attempts: int = Field(3, ge=1, le=10)
    eligibility_backoff_seconds: float = Field(0.2, ge=0)
    eligibility_redrive_seconds: float = Field(2.0, gt=0, description="How often waiting encounters are re-asked.")
    eligibility_concurrency: int = Field(16, ge=1)
    coding_policy_dir: Path | None = Field(None, description="A practice's own payer policies (override shipped).")
    batch_size: int = Field(500, ge=1)
    worker_session_timeout_seconds: float = Field(
        10.0, ge=6, le=60, description="How soon the broker gives a dead worker's partitions to another."
    )
    batch_seconds: float = Field(0.2, gt=0)
    # The ops read model's batches are larger and slower than the pipeline's, so an encounter's
    # several events mostly land in one rewrite of its trail.
    ops_batch_size: int = Field(10_000, ge=1)
    ops_batch_seconds: float = Field(5.0, gt=0)
    ops_remembered_trails: int = Field(50_000, ge=0, description="Trails the ops worker keeps in memory (no re-read).")
    claims_interchange_max_claims: int = Field(200, ge=1, description="Claims per 837P interchange at most.")
    claims_interchange_max_age_seconds: float = Field(
        0.5, gt=0, description="How long a coded claim may wait for others to share its interchange."
    )
    claims_sender_id: str = "LONESTARTH"
    claims_receiver_id: str = "SIMCLEARING"
    claims_usage_indicator: Literal["T", "P"] = "T"
    claims_submitter_name: str = "LONE STAR TELEHEALTH PA"
    claims_submitter_contact: str = "BILLING OFFICE"
    claims_submitter_phone: str = "5125550100"
    simulator_delay_seconds: float = Field(0.5, ge=0)
    poll_seconds: float = Field(0.5, gt=0)
    metrics_base_port: int = Field(9400, description="Worker i of a service serves /metrics on base + offset + 10*i.")
    worker_instances: int = Field(
        1, ge=1, le=6, description="Processes per worker in its consumer group (at most the topic partitions)."
    )
    instance: int = Field(0, ge=0, lt=6, description="Which of a worker's instances this process is (set per process).")
    metrics_host: str = "127.0.0.1"

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and (
            not self.ingest_secrets or DEV_INGEST_SECRET in self.ingest_secrets.values()
        ):
            raise ValueError("production needs TELEBILL_INGEST_SECRETS with a real secret per source")
        if self.environment == "production" and self.ops_token == DEV_OPS_TOKEN:
            raise ValueError("production needs TELEBILL_OPS_TOKEN set to a real token")
        return self

    def secret_for(self, source: str) -> str | None:
        if source in self.ingest_secrets:
            return self.ingest_secrets[source]
        return DEV_INGEST_SECRET if self.environment != "production" else None

    @property
    def gateway_url(self) -> str:
        return self.eligibility_gateway_url or f"http://{self.ingest_host}:{self.clearinghouse_port}/x12/270"

    def api_url(self, program: str) -> str:
        """An API program's base URL (`coding-api` → its host and `coding_api_port`)."""
        port = getattr(self, program.replace("-", "_") + "_port")
        return self.owner_api_urls.get(program) or f"http://{self.ingest_host}:{port}"

    def mongo_url_for(self, service: str) -> str:
        return self.ops_mongo_url if service == "ops" and self.ops_mongo_url else self.mongo_url

    def database_name(self, service: str) -> str:
        return f"{self.db_prefix}_{service}"

    @property
    def exchange_dir(self) -> Path:
        """The clearinghouse's SFTP-style folders: outbound (837 to payer) and inbound (999/835 back)."""
        return self.state_dir / "exchange"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
