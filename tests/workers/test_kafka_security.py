"""The whole pipeline over an authenticated, encrypted Kafka: SASL_SSL with SCRAM-SHA-512, and
TLS with client certificates (mTLS), on real local brokers with certificates made here.

One broker of each kind serves the module (they start side by side). Topics are created with
``topics.admin``, a real secrets pool process reads its Kafka security settings from its YAML
config, and requests go through the shim's reply client (SASL) or a plain producer (mTLS).
Wrong credentials are refused with an error that says so, instead of a hang.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from shim.replies import ReplyClient
from tests.pools import Bus, PoolProcess, running_pool, scan_request
from topics import BrokerUnavailable, KafkaConnection, Topics
from topics.admin import create_topics
from workers.cli.environment import Environment
from workers.local.broker import BrokerSecurity, LocalBroker

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="needs Java for Kafka")

PLANTED_KEY = "AKIAQWERTYUIOPASDFGH"
USER, PASSWORD = "guardstream-pool", "s3cret-Pass-8f2c"


@dataclass(frozen=True)
class Pki:
    """PEM files of a test CA, the broker's certificate and two client certificates."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    rogue_cert: Path
    """Signed by a CA the broker does not trust."""
    rogue_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    san: list[x509.GeneralName] | None = None,
    usage: list[x509.ObjectIdentifier] | None = None,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(folder: Path) -> Pki:
    """A CA, a server certificate for 127.0.0.1 and localhost, a client certificate it
    signed, and a client certificate from another CA."""
    folder.mkdir(parents=True, exist_ok=True)

    def cert(certificate: x509.Certificate, name: str) -> Path:
        path = folder / name
        path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        return path

    def private(key: ec.EllipticCurvePrivateKey, name: str) -> Path:
        path = folder / name
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
        return path

    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    rogue_ca_key, rogue_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    ca = _certificate("guardstream test CA", _name("guardstream test CA"), ca_key, ca_key, ca=True)
    server = _certificate(
        "127.0.0.1", ca.subject, ca_key, server_key,
        san=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
        usage=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
    )  # fmt: skip
    client = _certificate(
        "guardstream-pool", ca.subject, ca_key, client_key, usage=[ExtendedKeyUsageOID.CLIENT_AUTH]
    )
    rogue = _certificate(
        "intruder", _name("rogue CA"), rogue_ca_key, rogue_key,
        usage=[ExtendedKeyUsageOID.CLIENT_AUTH],
    )  # fmt: skip
    return Pki(
        ca=cert(ca, "ca.pem"),
        server_cert=cert(server, "server.pem"),
        server_key=private(server_key, "server-key.pem"),
        client_cert=cert(client, "client.pem"),
        client_key=private(client_key, "client-key.pem"),
        rogue_cert=cert(rogue, "rogue.pem"),
        rogue_key=private(rogue_key, "rogue-key.pem"),
    )


@dataclass(frozen=True)
class SecureKafka:
    """The module's two secure brokers and how to reach them."""

    pki: Pki
    sasl: KafkaConnection
    mtls: KafkaConnection


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureKafka]:
    """A SASL_SSL (SCRAM-SHA-512) broker and an mTLS broker, started side by side."""
    root = tmp_path_factory.mktemp("secure-kafka")
    pki = make_pki(root / "pki")
    env = Environment.from_environ(os.environ)
    files = (pki.ca, pki.server_cert, pki.server_key)
    brokers = {
        "sasl": LocalBroker(
            root / "sasl", env.jars(), java_home=env.java_home, heap="512m",
            security=BrokerSecurity("sasl_ssl", *files, scram_users={USER: PASSWORD}),
        ),
        "mtls": LocalBroker(
            root / "mtls", env.jars(), java_home=env.java_home, heap="512m",
            security=BrokerSecurity("ssl_mtls", *files),
        ),
    }  # fmt: skip
    try:
        with ThreadPoolExecutor(2) as starting:
            started = starting.map(lambda b: b.start(), brokers.values())
            infos = dict(zip(brokers, started, strict=True))
        yield SecureKafka(
            pki,
            sasl=KafkaConnection(
                infos["sasl"].bootstrap_servers, "SASL_SSL", "SCRAM-SHA-512", USER, PASSWORD,
                ssl_cafile=str(pki.ca),
            ),
            mtls=KafkaConnection(
                infos["mtls"].bootstrap_servers, "SSL", ssl_cafile=str(pki.ca),
                ssl_certfile=str(pki.client_cert), ssl_keyfile=str(pki.client_key),
            ),
        )  # fmt: skip
    finally:
        for broker in brokers.values():
            broker.stop()


def _config(home: Path, connection: KafkaConnection) -> Path:
    """A pool config whose ``kafka`` section carries the security settings (the password from
    the environment, as an operator would write it)."""
    kafka = {
        "security_protocol": connection.security_protocol,
        "ssl_cafile": connection.ssl_cafile,
    }
    if connection.security_protocol == "SASL_SSL":
        kafka |= {
            "sasl_mechanism": connection.sasl_mechanism,
            "sasl_username": connection.sasl_username,
            "sasl_password": "os.environ/TEST_KAFKA_PASSWORD",
        }
    else:
        kafka |= {"ssl_certfile": connection.ssl_certfile, "ssl_keyfile": connection.ssl_keyfile}
    path = home / f"guardstream-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(yaml.safe_dump({"kafka": kafka}))
    return path


def _secrets_findings(result) -> set[str]:
    return {f.label for f in result.findings}


async def test_sasl_ssl_pool_answers_the_shims_request(
    secure: SecureKafka, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = secure.sasl
    topics = Topics(prefix=f"sasl-{uuid.uuid4().hex[:8]}", partitions=2)
    await create_topics(connection, topics.all())
    monkeypatch.setenv("TEST_KAFKA_PASSWORD", PASSWORD)  # inherited by the pool process
    config = _config(tmp_path, connection)
    with running_pool(connection, topics, "secrets", "--config", str(config), home=tmp_path):
        replies = ReplyClient(connection, topics, "sasl-test", max_pending=10)
        replies.start()
        try:
            async with asyncio.timeout(30):
                while not replies.ready:
                    await asyncio.sleep(0.05)
            request = scan_request(
                [f"aws_access_key_id = {PLANTED_KEY}"], ["secrets"], topics,
                partition=replies.partition,
            )  # fmt: skip
            results = await replies.ask(request, timeout_s=60)
        finally:
            await replies.stop()
    assert PASSWORD not in repr(connection)  # settings may be logged; the password never is
    assert set(results) == {"secrets"}
    assert results["secrets"].verdict != "error", results["secrets"].error
    assert "AWS_ACCESS_KEY" in _secrets_findings(results["secrets"])


async def test_sasl_ssl_wrong_password_is_refused_with_a_clear_error(
    secure: SecureKafka, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = replace(secure.sasl, sasl_password="not-the-password")
    with pytest.raises(BrokerUnavailable):
        await asyncio.wait_for(create_topics(wrong, Topics(prefix="nope").all()), 30)
    monkeypatch.setenv("TEST_KAFKA_PASSWORD", "not-the-password")
    topics = Topics(prefix=f"sasl-{uuid.uuid4().hex[:8]}", partitions=2)
    pool = PoolProcess(
        wrong, topics, "secrets", "--config", str(_config(tmp_path, wrong)), home=tmp_path
    )
    try:
        code = await asyncio.to_thread(pool.process.wait, 60)
        output = pool.output()
    finally:
        pool.stop()
    assert code == 2, output
    assert "invalid credentials" in output, output
    assert "not-the-password" not in output


async def test_mtls_pool_answers_a_produced_request(secure: SecureKafka, tmp_path: Path) -> None:
    connection = secure.mtls
    topics = Topics(prefix=f"mtls-{uuid.uuid4().hex[:8]}", partitions=2)
    await create_topics(connection, topics.all())
    config = _config(tmp_path, connection)
    with running_pool(connection, topics, "secrets", "--config", str(config), home=tmp_path):
        request = scan_request([f"key: {PLANTED_KEY}", "nothing here"], ["secrets"], topics)
        async with Bus(connection, topics) as bus:
            await bus.send(request)
            results = [
                r for r in await bus.results(1, partition=0, timeout=60)
                if r.correlation_id == request.correlation_id
            ]  # fmt: skip
    assert len(results) == 1
    assert results[0].verdict != "error", results[0].error
    assert {(f.text, f.label) for f in results[0].findings} == {(0, "AWS_ACCESS_KEY")}


async def test_mtls_refuses_clients_without_a_trusted_certificate(secure: SecureKafka) -> None:
    pki = secure.pki
    no_certificate = replace(secure.mtls, ssl_certfile="", ssl_keyfile="")
    rogue = replace(secure.mtls, ssl_certfile=str(pki.rogue_cert), ssl_keyfile=str(pki.rogue_key))
    plaintext = KafkaConnection(secure.mtls.bootstrap_servers)
    for refused in (no_certificate, rogue, plaintext):
        with pytest.raises(BrokerUnavailable):
            await asyncio.wait_for(create_topics(refused, Topics(prefix="nope").all()), 30)
