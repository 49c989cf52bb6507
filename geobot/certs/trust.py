"""TLS client trust for talking to a deployment: the system's roots plus the deployed chain.

geobot's own clients (status, chat, the smoke test, the drill) check the router's certificate
like a browser does, host name included. They also trust the chain of the certificate the
deployment holds, so a local-CA or ACME-staging certificate verifies without the user first
installing its root; partial-chain verification lets an intermediate serve as the anchor.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import serialization


def client_context(extra_anchors: Iterable[x509.Certificate] = ()) -> ssl.SSLContext:
    context = ssl.create_default_context()
    pems = "".join(cert.public_bytes(serialization.Encoding.PEM).decode() for cert in extra_anchors)
    if pems:
        context.load_verify_locations(cadata=pems)
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context
