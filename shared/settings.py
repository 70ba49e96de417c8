"""Settings for every process, read from `TELEBILL_*` environment variables."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_INGEST_SECRET = "telebill-development-secret"
DEV_GATEWAY_PASSWORD = "telebill-development-password"
# Development PHI keys: fixed so that a developer's stored data stays readable across restarts, and
# refused in production like every other development secret.
DEV_PHI_KEY_ID = "dev"
DEV_PHI_KEY = "fE5ZLmCeIu7kxzqJ0m8yZ1m0i8bLxq3Oq2Hc9qG3yU4="
DEV_PHI_LOOKUP_KEY = "q3pGk5c0yWm9bJ8x0sV2Lw7tR4nE1uH6aZ3dF8gK2cM="
# Development operators, one per scope set (their keys are in the README); never valid in production.
DEV_API_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dev-admin": ("telebill-dev-admin-key", ("admin",)),
    "dev-operator": ("telebill-dev-operator-key", ("ops:write",)),
    "dev-reader": ("telebill-dev-reader-key", ("ops:read",)),
    "dev-no-scope": ("telebill-dev-no-scope-key", ()),
}


class ApiKeyEntry(BaseModel):
    """One person's (or one service's) API key: only its SHA-256 is stored."""

    name: str = Field(min_length=1, max_length=80)
    key_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    scopes: list[Literal["ops:read", "ops:write", "admin"]]


def key_hash(key: str) -> str:
    """What is stored of an API key: its SHA-256 (keys are random, so no slow hash is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def default_home() -> Path:
    return Path(os.environ.get("TELEBILL_CACHE", Path.home() / ".cache" / "telebill"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TELEBILL_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="SSL or SASL_SSL in production: the records carry sealed PHI, their keys do not."
    )
    kafka_ssl_cafile: Path | None = Field(None, description="CA bundle that signed the brokers' certificates.")
    kafka_ssl_certfile: Path | None = Field(None, description="This client's certificate (mutual TLS).")
    kafka_ssl_keyfile: Path | None = Field(None, description="This client's private key (mutual TLS).")
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    mongo_url: str = Field(
        "mongodb://127.0.0.1:27017/",
        description="Credentials and TLS may be given in the URL (user:password@…/?tls=true&authSource=admin).",
    )
    mongo_tls_ca_file: Path | None = Field(None, description="CA bundle of the database servers (turns TLS on).")
    mongo_tls_certificate_key_file: Path | None = Field(None, description="Client certificate and key (X.509).")
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
    ingest_secrets: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description='Per-source HMAC secrets, JSON: {"acme-video": "..."}; a list holds the new and the old '
        "secret while a source rotates (both are accepted).",
    )
    ingest_signature_window_seconds: int = Field(
        300, ge=10, le=3600, description="A signed request's timestamp may differ from the clock by this much."
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
    api_keys: list[ApiKeyEntry] = Field(
        default_factory=list, description='Operators\' API keys, JSON: [{"name", "key_sha256", "scopes"}].'
    )
    api_keys_file: Path | None = Field(
        None,
        description="The same list in a file (`telebill api-keys add` writes it); default <state_dir>/api-keys.json.",
    )
    api_key: str = Field(
        "",
        description="The key this process presents to the APIs (CLI, services calling each other); "
        "empty outside production: the development admin key.",
    )
    phi_keys: dict[str, str] = Field(
        default_factory=dict, description='PHI sealing keys, JSON {"<key id>": "<base64 of 32 bytes>"}.'
    )
    phi_current_key: str = Field("", description="The key id new values are sealed with (empty: the only key).")
    phi_lookup_key: str = Field("", description="Base64 key of the keyed hashes stored for lookups (member id…).")
    phi_keys_file: Path | None = Field(
        None, description='The keys in a file: {"current": id, "keys": {id: key}, "lookup_key": key}.'
    )
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
    eligibility_gateway_password: str = DEV_GATEWAY_PASSWORD
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
    def _refuse_default_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            problems = production_secret_problems(self)
            if problems:
                raise ValueError("production refuses development or missing secrets: " + "; ".join(problems))
        return self

    def secrets_for(self, source: str) -> list[str]:
        """Every secret a source may sign with now: more than one while it rotates."""
        if source in self.ingest_secrets:
            given = self.ingest_secrets[source]
            return [given] if isinstance(given, str) else list(given)
        return [DEV_INGEST_SECRET] if self.environment != "production" else []

    def signing_secret(self, source: str) -> str:
        """The secret a client signs with: the newest (first) of the source's secrets."""
        return next(iter(self.secrets_for(source)), "")

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
    def keys_file(self) -> Path:
        return self.api_keys_file or self.state_dir / "api-keys.json"

    @property
    def exchange_dir(self) -> Path:
        """The clearinghouse's SFTP-style folders: outbound (837 to payer) and inbound (999/835 back)."""
        return self.state_dir / "exchange"


def production_secret_problems(settings: Settings) -> list[str]:
    """Every secret, token, password and key a production process would otherwise run with by
    default, each named by its setting."""
    problems = []
    if not settings.ingest_secrets:
        problems.append("TELEBILL_INGEST_SECRETS is not set (a secret per source)")
    problems += [
        f"TELEBILL_INGEST_SECRETS gives source {source!r} the development secret"
        for source in settings.ingest_secrets
        if DEV_INGEST_SECRET in settings.secrets_for(source)
    ]
    if settings.eligibility_gateway_password == DEV_GATEWAY_PASSWORD:
        problems.append("TELEBILL_ELIGIBILITY_GATEWAY_PASSWORD is the development password")
    if not (settings.api_keys or settings.api_keys_file):
        problems.append("neither TELEBILL_API_KEYS nor TELEBILL_API_KEYS_FILE is set (operators' API keys)")
    dev_hashes = {key_hash(key) for key, _ in DEV_API_KEYS.values()}
    problems += [
        f"TELEBILL_API_KEYS gives {entry.name!r} a development key"
        for entry in settings.api_keys
        if entry.key_sha256 in dev_hashes
    ]
    if not settings.api_key:
        problems.append("TELEBILL_API_KEY is not set (the key this process presents to the other APIs)")
    if not (settings.phi_keys or settings.phi_keys_file):
        problems.append("neither TELEBILL_PHI_KEYS nor TELEBILL_PHI_KEYS_FILE is set (PHI sealing keys)")
    if DEV_PHI_KEY in settings.phi_keys.values():
        problems.append("TELEBILL_PHI_KEYS holds the development key")
    if not (settings.phi_lookup_key or settings.phi_keys_file):
        problems.append("TELEBILL_PHI_LOOKUP_KEY is not set")
    if settings.phi_lookup_key == DEV_PHI_LOOKUP_KEY:
        problems.append("TELEBILL_PHI_LOOKUP_KEY is the development key")
    return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
