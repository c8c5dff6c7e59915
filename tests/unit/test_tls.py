"""TLS contexts are built once per process and keep their checks (chalicelib/tls.py)."""

from __future__ import annotations

import ssl

from sqlalchemy import make_url

from chalicelib.db.engine import _tls_for
from chalicelib.tls import database_context, verifying_context


def test_the_http_context_is_shared_and_verifies_certificates_and_host_names() -> None:
    context = verifying_context()
    assert context is verifying_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.cert_store_stats()["x509_ca"] > 0  # a CA bundle is loaded


def test_a_database_on_this_machine_gets_no_tls_and_any_other_host_requires_the_shared_context() -> None:
    assert _tls_for(make_url("postgresql+pg8000://u:p@127.0.0.1:5432/ptx")) is False
    assert _tls_for(make_url("postgresql+pg8000://u:p@localhost/ptx")) is False
    remote = _tls_for(make_url("postgresql+pg8000://u:p@ptx.cluster-abc.ap-southeast-1.rds.amazonaws.com/ptx"))
    assert remote is database_context()
    assert remote is _tls_for(make_url("postgresql+pg8000://u:p@10.0.3.7/ptx"))  # one context, not one per call
    assert isinstance(remote, ssl.SSLContext) and remote.minimum_version >= ssl.TLSVersion.TLSv1_2
