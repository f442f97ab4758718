"""A Jenkins behind a private CA: untrusted by default, trusted through REQUESTS_CA_BUNDLE.

The fake Jenkins is served over TLS with a certificate from a CA made here (``cryptography``,
which moto already depends on); python-jenkins merges the environment into each request, so
requests reads ``REQUESTS_CA_BUNDLE`` as it does for any client.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sccos_backup import errors
from sccos_backup.jenkins.client import make_jenkins_adapter
from sccos_backup.jenkins.config import JenkinsConfig
from sccos_backup.resync.job import ResyncRequest, run_resync
from tests.fake_jenkins import FakeJenkins, FakeTime


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Private test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def test_a_private_ca_needs_requests_ca_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, cert, key = _certificates(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    time = FakeTime()
    with FakeJenkins(tls=context) as fake:
        assert fake.url.startswith("https://")
        config = JenkinsConfig(url=fake.url, user=fake.user, token=fake.token, request_timeout=5)

        untrusted = make_jenkins_adapter(config, sleep=time.sleep, clock=time.clock)
        with pytest.raises(errors.JenkinsUnreachable, match="REQUESTS_CA_BUNDLE") as caught:
            run_resync(untrusted, ResyncRequest(), lambda text: None)
        assert fake.token not in str(caught.value)

        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
        trusted = make_jenkins_adapter(config, sleep=time.sleep, clock=time.clock)
        assert run_resync(trusted, ResyncRequest(), lambda text: None).result == "SUCCESS"
