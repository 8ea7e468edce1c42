"""The ASGI app: /validate (AdmissionReview v1), /healthz, /readyz, /metrics.

Every request is bounded: the body by size (3 MB, the API server's own limit) and by time, the decision
by time. A request the webhook cannot understand gets HTTP 400 with a JSON explanation (echoing the uid
when there is one); an admission it cannot finish in time gets a well-formed answer per the mode
(enforce: denied, audit: allowed with a warning). Nothing a caller sends produces a 500.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from policy_engine.webhook import review
from policy_engine.webhook.decide import Decider, Decision, NeedsAudit

MAX_BODY_BYTES = 3 * 1024 * 1024
log = logging.getLogger("complyai.webhook")
# The decision log (JSON lines), off unless `--decision-log` gives it a handler: the API server's audit
# log already records every answer's auditAnnotations, and a chatty stderr can stall a piped server.
decisions_log = logging.getLogger("complyai.webhook.decisions")
decisions_log.propagate = False
decisions_log.addHandler(logging.NullHandler())
decisions_log.setLevel(logging.WARNING)  # records are INFO: enabled by setting the level to INFO


@dataclass
class Limits:
    body_seconds: float = 2.0  # to receive the whole body
    decision_seconds: float = 3.5  # to decide; under the configuration's timeoutSeconds (5)
    max_body_bytes: int = MAX_BODY_BYTES


class Metrics:
    """Prometheus metrics in a registry of their own (several apps can live in one test process)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("complyai_webhook_requests", "Admission requests by outcome",
                                ["decision", "dry_run"], registry=self.registry)
        self.latency = Histogram("complyai_webhook_request_duration_seconds", "Time to answer /validate",
                                 ["decision"], registry=self.registry,
                                 buckets=(.0005, .001, .002, .003, .005, .0075, .01, .025, .05, .1, .25, .5, 1,
                                          2.5, 5))
        self.declarations = Gauge("complyai_webhook_declarations", "Declarations in the evidence directory",
                                  ["trusted"], registry=self.registry)

    def observe(self, decision: str, dry_run: bool, seconds: float) -> None:
        self.requests.labels(decision, "true" if dry_run else "false").inc()
        self.latency.labels(decision).observe(seconds)


def _bad_request(message: str, uid: str | None = None) -> JSONResponse:
    body = review.response(uid, False, message=f"complyai: bad AdmissionReview: {message}", code=400)
    return JSONResponse(body, status_code=400)


async def _read_body(request: Request, limits: Limits) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limits.max_body_bytes):
        raise review.BadReview(f"the body is larger than {limits.max_body_bytes} bytes")
    chunks, size = [], 0
    with anyio.fail_after(limits.body_seconds):
        async for chunk in request.stream():
            size += len(chunk)
            if size > limits.max_body_bytes:
                raise review.BadReview(f"the body is larger than {limits.max_body_bytes} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


def _answer(uid: str, decision: Decision) -> dict[str, Any]:
    warnings = list(decision.warnings)
    if decision.allowed and decision.reasons:  # audit mode: the would-be denial travels as warnings
        warnings = [f"complyai (audit mode) would deny: {r}" for r in decision.reasons] + warnings
    body = review.response(uid, decision.allowed, message=decision.message if not decision.allowed else "",
                           warnings=warnings)
    annotations = {"decision": decision.outcome}
    if decision.controls:
        annotations["failing-controls"] = ",".join(decision.controls)
    body["response"]["auditAnnotations"] = annotations
    return body


def create_app(decider: Decider, *, limits: Limits | None = None, ready: Any = None,
               background: Callable[[], Awaitable[None]] | None = None) -> Starlette:
    """``ready``: returns True once the evidence is loaded and the rulesets compiled;
    ``background``: a coroutine function run for the app's lifetime (the evidence refresher)."""
    limits = limits or Limits()
    metrics = Metrics()

    async def validate(request: Request) -> Response:
        started = time.perf_counter()
        uid = None
        try:
            parsed = review.parse(await _read_body(request, limits))
            uid = parsed.uid
            try:  # cheap and cached answers (~0.1 ms) come straight from the event loop
                decision = decider.decide(parsed, may_audit=False)
            except NeedsAudit:
                with anyio.fail_after(limits.decision_seconds):
                    decision = await anyio.to_thread.run_sync(decider.decide, parsed, abandon_on_cancel=True)
        except review.BadReview as error:
            metrics.observe("bad_request", False, time.perf_counter() - started)
            return _bad_request(str(error), error.uid)
        except ClientDisconnect:
            return Response(status_code=400)
        except TimeoutError:
            if uid is None:
                metrics.observe("bad_request", False, time.perf_counter() - started)
                return _bad_request(f"the body did not arrive within {limits.body_seconds} s")
            decision = Decision(decider.settings.mode == "audit", "timeout", parsed.kind,
                                reasons=[f"the decision took longer than {limits.decision_seconds} s"])
        except Exception as error:  # noqa: BLE001 - a bug must still give the API server an answer
            log.exception("internal error deciding %s", uid)
            if uid is None:
                return _bad_request(f"internal error ({type(error).__name__})")
            decision = Decision(decider.settings.mode == "audit", "error", "object",
                                reasons=[f"internal error in complyai ({type(error).__name__}); see its log"])
        elapsed = time.perf_counter() - started
        metrics.observe(decision.outcome, parsed.dry_run, elapsed)
        if decision.outcome not in ("skipped", "allowed") and not parsed.dry_run and decisions_log.isEnabledFor(logging.INFO):
            # The decision log: dry-run requests leave no record (they must have no side effects).
            decisions_log.info(json.dumps({
                "uid": uid, "operation": parsed.operation, "subject": decision.subject,
                "decision": decision.outcome, "mode": decider.settings.mode, "controls": decision.controls,
                "reasons": decision.reasons[:20], "user": (parsed.raw.get("userInfo") or {}).get("username"),
            }, default=str))
        return JSONResponse(_answer(uid, decision))

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        if ready is None or ready():
            return PlainTextResponse("ready")
        return PlainTextResponse("loading evidence and rulesets", status_code=503)

    async def metrics_endpoint(request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        records = decider.store.records
        metrics.declarations.labels("true").set(sum(1 for r in records if r.trusted))
        metrics.declarations.labels("false").set(sum(1 for r in records if not r.trusted))
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    routes = [
        Route("/validate", validate, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            if background is not None:
                tasks.start_soon(background)
            yield
            tasks.cancel_scope.cancel()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.metrics = metrics
    return app
