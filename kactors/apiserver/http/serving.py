"""Opening the API port: TCP listeners, optionally TLS with a self-signed certificate.

Done by ``kactors run`` before the cluster starts, so that a port already in use is a
clear error and not a crash loop of the front actor, and so that the URL (and the port,
when 0 asked for any free one) is known for the kubeconfig.

HTTPS uses a certificate generated for the run (``cryptography``, the ``https`` extra),
valid for the listening address and ``localhost``; the kubeconfig carries it as the
cluster's ``certificate-authority-data``, so kubectl verifies the server as usual.

Credentials over plain HTTP: kubectl never sends its bearer token over ``http://``
(client-go attaches credentials to TLS transports only; kubernetes/kubectl#744), so a
plain-HTTP front would see every kubectl request as anonymous. On a *loopback* address
(127.0.0.0/8, ::1) only local processes can connect, so credential-less requests there are
served as the admin, like kube-apiserver's old ``--insecure-port`` on localhost
(:attr:`Endpoint.admin_without_credentials`). On any other address they stay
``system:anonymous`` under the real authentication and RBAC, and ``kactors run`` warns
that ``--https`` is the way to serve beyond this machine. A request that carries a token
is always authenticated by that token, whatever the address.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from typing import Any

import attrs
import trio

__all__ = ["Endpoint", "is_loopback", "open_api_listeners", "self_signed_certificate"]


@attrs.frozen
class Endpoint:
    listeners: list[Any]
    url: str
    address: str
    port: int
    #: the server certificate (PEM) a client must trust, for HTTPS
    ca_pem: bytes | None = None

    @property
    def loopback(self) -> bool:
        """Whether only this machine can connect (127.0.0.0/8, ::1)."""
        return is_loopback(self.address)

    @property
    def admin_without_credentials(self) -> bool:
        """Whether requests without credentials are served as the admin: plain HTTP on
        a loopback address only (see the module doc)."""
        return self.ca_pem is None and self.loopback


def is_loopback(address: str) -> bool:
    """Whether ``address`` (an IP address) is a loopback one; a name is not."""
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def self_signed_certificate(address: str) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) for ``address`` and localhost, valid a year."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:  # pragma: no cover - depends on the installation
        raise RuntimeError("--https needs the 'cryptography' package: "
                           "pip install 'kactors[https]'") from None
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kactors-apiserver")])
    now = datetime.datetime.now(datetime.UTC)
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(address)))
    except ValueError:
        names.append(x509.DNSName(address))
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def _server_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.set_alpn_protocols(["http/1.1"])
    # load_cert_chain reads files only: write them where nobody else can read, briefly
    with tempfile.TemporaryDirectory() as folder:
        cert_file = os.path.join(folder, "tls.crt")
        key_file = os.path.join(folder, "tls.key")
        for path, data in ((cert_file, cert_pem), (key_file, key_pem)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
        context.load_cert_chain(cert_file, key_file)
    return context


async def open_api_listeners(address: str, port: int, https: bool = False) -> Endpoint:
    """Listen on ``address:port`` (0: any free port); raises OSError if it is taken."""
    listeners: list[Any] = list(await trio.open_tcp_listeners(port, host=address))
    actual = listeners[0].socket.getsockname()[1]
    ca_pem = None
    if https:
        cert_pem, key_pem = self_signed_certificate(address)
        context = _server_context(cert_pem, key_pem)
        listeners = [trio.SSLListener(listener, context, https_compatible=True)
                     for listener in listeners]
        ca_pem = cert_pem
    host = f"[{address}]" if ":" in address else address
    scheme = "https" if https else "http"
    return Endpoint(listeners, f"{scheme}://{host}:{actual}", address, actual, ca_pem)
