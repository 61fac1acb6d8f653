"""Real servers on 127.0.0.1 that receive alerts: an HTTP webhook and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import queue
import socket
import ssl
import threading
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer
from ipaddress import IPv4Address
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TINY_BACKOFF = "0.001"


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    path: str
    content_type: str
    body: dict
    status: int


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        hook: WebhookServer = self.server.hook
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = hook.statuses.popleft() if hook.statuses else 200
        # Recorded before answering: once the sender has its answer, the test sees the request.
        hook.received.put(Received(self.path, self.headers["Content-Type"], body, status))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


@dataclass
class WebhookServer:
    url: str
    statuses: deque = field(default_factory=deque)
    """Status codes to answer, in order; 200 once they are used up."""
    received: queue.Queue = field(default_factory=queue.Queue)

    def requests(self) -> list[Received]:
        """Every request received so far (the sender has returned, so all have arrived)."""
        seen = []
        while not self.received.empty():
            seen.append(self.received.get_nowait())
        return seen


@contextmanager
def running_webhook():
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    server.hook = WebhookServer(url=f"http://127.0.0.1:{server.server_port}/services/T0/B0/s3cr3t-token")
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server.hook
    server.shutdown()
    server.server_close()
    thread.join()


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage


class _Mailbox:
    def __init__(self):
        self.received: queue.Queue[Mail] = queue.Queue()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.put(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: _Mailbox

    def mails(self) -> list[Mail]:
        seen = []
        while not self.mailbox.received.empty():
            seen.append(self.mailbox.received.get_nowait())
        return seen


SMTP_USER, SMTP_PASSWORD = "p06-bot", "pa55-w0rd-do-not-log"


def _check_login(server, session, envelope, mechanism, auth_data):
    accepted = (auth_data.login, auth_data.password) == (SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=accepted, handled=False)  # not handled: the server answers 535 itself


@contextmanager
def running_smtp_server(tls_context: ssl.SSLContext | None = None):
    """With a TLS context the server requires STARTTLS before login and mail, as a real relay does."""
    mailbox = _Mailbox()
    tls = {"tls_context": tls_context, "require_starttls": True} if tls_context else {"auth_require_tls": False}
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), authenticator=_check_login, **tls)
    controller.start()
    yield SmtpServer(controller.hostname, controller.port, mailbox)
    controller.stop()


def self_signed_tls(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A certificate for 127.0.0.1 (the PEM a client is told to trust) and the server's TLS context."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return cert_file, context
