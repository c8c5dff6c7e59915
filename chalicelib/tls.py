"""TLS client contexts, built once per process and shared.

Building a context loads a CA bundle: milliseconds of CPU each time. httpx builds one for every
``Client`` and pg8000 for every connection unless they are handed one, so a Lambda container (or a
test worker) that opens connections and clients as it goes paid that again and again. A context is
safe to share between threads and connections; these are built on first use, never at import.
"""

from __future__ import annotations

import functools
import ssl


@functools.cache
def verifying_context() -> ssl.SSLContext:
    """Certificates and host names checked against certifi's bundle, as httpx's own default for a
    client with ``trust_env=False`` (ours all are): pass it as ``verify=`` to every ``httpx.Client``."""
    import httpx  # not at import: the database-only paths never load it

    return httpx.create_ssl_context(trust_env=False)


@functools.cache
def database_context() -> ssl.SSLContext:
    """Encrypts the database connection without verifying the server's certificate, as pg8000 does
    when left to itself (Aurora's certificates are signed by the RDS authority, not a public one)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
