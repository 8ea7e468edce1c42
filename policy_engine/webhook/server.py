"""Serve the webhook with uvicorn over TLS, with the evidence refreshed in the background.

``serve`` builds everything, loads the evidence and compiles the rulesets in a background thread
(/readyz turns 200 when done, /healthz answers at once), refreshes the evidence every
``refresh_seconds``, and runs uvicorn with TLS and bounded connections.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from policy_engine.errors import UsageError
from policy_engine.webhook.app import Limits, create_app
from policy_engine.webhook.decide import Decider, Settings
from policy_engine.webhook.evidence import EvidenceStore

log = logging.getLogger("complyai.webhook")


class BoundedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, plus a deadline for a request's headers to arrive.

    uvicorn arms its keep-alive timer only after a response, so a client that connects and then sends
    nothing (or headers byte by byte) would hold a connection forever; this closes it after
    ``header_seconds`` unless a request started meanwhile.
    """

    header_seconds = 5.0

    def connection_made(self, transport: Any) -> None:  # noqa: ANN401 - asyncio's signature
        super().connection_made(transport)
        self._arm_header_deadline(initial=True)

    def data_received(self, data: bytes) -> None:
        self._bytes_since_arm = getattr(self, "_bytes_since_arm", 0) + len(data)
        super().data_received(data)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_header_deadline(initial=False)

    def _arm_header_deadline(self, *, initial: bool) -> None:
        self._bytes_since_arm = 0
        self.loop.call_later(self.header_seconds, self._header_deadline, self.cycle, initial)

    def _header_deadline(self, armed_for: Any, initial: bool) -> None:  # noqa: ANN401
        # After a response, an idle connection is the keep-alive timer's business; a started but
        # unfinished header block (or a new connection that never sent one) is ours.
        stalled = initial or self._bytes_since_arm > 0
        if self.cycle is armed_for and stalled and not self.transport.is_closing():
            self.transport.close()


@dataclass
class ServeOptions:
    tls_cert: Path
    tls_key: Path
    host: str = "0.0.0.0"  # noqa: S104 - a webhook listens for the API server on the pod network
    port: int = 8443
    settings: Settings = field(default_factory=Settings)
    trust: Any = None  # attest.TrustPolicy
    refresh_seconds: float = 30.0
    limits: Limits = field(default_factory=Limits)
    log_level: str = "info"


def check_tls(cert: Path, key: Path) -> None:
    """Fail at start with a clear message rather than inside uvicorn with a traceback."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(str(cert), str(key))
    except FileNotFoundError as error:
        raise UsageError(f"TLS file not found: {error.filename}", hint="pass --tls-cert and --tls-key") from None
    except (ssl.SSLError, OSError) as error:
        raise UsageError(f"cannot use {cert} / {key} as a TLS certificate and key ({error})",
                         hint="give a PEM certificate (with its chain) and its unencrypted PEM private key; "
                              "ci/k8s/gen-certs.sh makes a pair") from None


def build(options: ServeOptions) -> tuple[Any, Decider, threading.Event]:
    store = EvidenceStore(options.settings.evidence_dir, options.trust)
    decider = Decider(options.settings, store)
    ready = threading.Event()

    def load() -> None:
        try:
            store.refresh()
            decider.warm_up()
            ready.set()
            trusted = sum(1 for r in store.records if r.trusted)
            log.info("evidence loaded: %d declaration(s), %d trusted", len(store.records), trusted)
            for record in store.records:
                if not record.trusted:
                    log.warning("declaration %s is not trusted: %s", record.path, record.problem)
        except Exception:  # noqa: BLE001 - stays unready and says why, rather than dying silently
            log.exception("loading the evidence or the rulesets failed; /readyz stays 503")

    threading.Thread(target=load, name="complyai-load", daemon=True).start()

    async def refresher() -> None:
        while True:
            await asyncio.sleep(options.refresh_seconds)
            if ready.is_set():
                try:
                    if await asyncio.to_thread(store.refresh):
                        log.info("evidence changed: generation %d", store.generation)
                except Exception:  # noqa: BLE001 - keep serving the last good index
                    log.exception("refreshing the evidence failed; keeping the previous index")

    app = create_app(decider, limits=options.limits, ready=ready.is_set, background=refresher)
    return app, decider, ready


def uvicorn_config(app: Any, options: ServeOptions) -> Any:  # noqa: ANN401 - uvicorn.Config
    """TLS-only uvicorn settings with bounded connections and timeouts (shared by serve and the tests)."""
    import uvicorn

    BoundedH11Protocol.header_seconds = options.limits.body_seconds + 3
    return uvicorn.Config(
        app, host=options.host, port=options.port, ssl_certfile=str(options.tls_cert),
        ssl_keyfile=str(options.tls_key), http=BoundedH11Protocol, loop="asyncio", lifespan="on",
        timeout_keep_alive=30, limit_concurrency=256, backlog=512, log_level=options.log_level,
        access_log=False, server_header=False, timeout_graceful_shutdown=10,
        h11_max_incomplete_event_size=64 * 1024,
    )


def serve(options: ServeOptions) -> None:
    import uvicorn

    check_tls(options.tls_cert, options.tls_key)
    app, _, _ = build(options)
    uvicorn.Server(uvicorn_config(app, options)).run()
