"""TLS and SASL settings reach every Kafka and MongoDB client the pipeline makes."""

from __future__ import annotations

from pathlib import Path

from shared.kafka import faust_credentials, security
from shared.mongo import tls_options
from shared.settings import Settings


def test_plaintext_by_default_and_tls_with_sasl_when_set() -> None:
    assert security(Settings()) == {"security_protocol": "PLAINTEXT"} and faust_credentials(Settings()) is None
    secured = Settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="telebill-claims",
        kafka_sasl_password="from-the-vault",
    )
    assert security(secured) == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "telebill-claims",
        "sasl_plain_password": "from-the-vault",
    }
    credentials = faust_credentials(secured)
    assert credentials.mechanism.value == "SCRAM-SHA-512" and credentials.ssl_context is not None


def test_mongodb_tls_from_mounted_certificate_files() -> None:
    assert tls_options(Settings()) == {}
    mounted = Settings(mongo_tls_ca_file=Path("/run/secrets/ca.pem"), mongo_tls_certificate_key_file=Path("/run/k.pem"))
    assert tls_options(mounted) == {
        "tls": True,
        "tlsCAFile": "/run/secrets/ca.pem",
        "tlsCertificateKeyFile": "/run/k.pem",
    }
