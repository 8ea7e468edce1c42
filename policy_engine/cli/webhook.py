"""`complyai webhook serve`: the Kubernetes validating admission webhook (TLS only)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from policy_engine.errors import UsageError

PathArg = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("webhook")
def webhook() -> None:
    """Kubernetes validating admission webhook: only declared, compliant workloads run."""


@webhook.command("serve")
@click.option("--tls-cert", required=True, type=PathArg, help="Serving certificate (PEM, with chain).")
@click.option("--tls-key", required=True, type=PathArg, help="Private key of the serving certificate (PEM).")
@click.option("--port", default=8443, show_default=True, type=click.IntRange(1, 65535))
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--mode", type=click.Choice(["enforce", "audit"]), default="enforce", show_default=True,
              help="enforce: deny what fails; audit: allow, but warn and record what would be denied.")
@click.option("--config", "config_path", type=PathArg, default=None,
              help=".complyai.yaml with rulesets, threshold and waivers (default: built-in defaults).")
@click.option("--evidence-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder with signed declarations and the model cards, manifests and SBOMs they cover.")
@click.option("--trust-key", "trust_keys", multiple=True, type=PathArg,
              help="Public key (PREFIX.pub from complyai keygen) whose declarations are trusted (repeatable).")
@click.option("--cert-identity", "identities", multiple=True,
              help="Trusted Sigstore signer identity for keyless declarations (repeatable, with --cert-oidc-issuer).")
@click.option("--cert-oidc-issuer", "issuers", multiple=True, help="OIDC issuer of each --cert-identity.")
@click.option("--trusted-root", type=PathArg, default=None, help="Sigstore trusted_root.json (default: bundled).")
@click.option("--ruleset", "rulesets", multiple=True, help="Ruleset id or folder (repeatable; default: config/all).")
@click.option("--exclude-namespace", "excluded", multiple=True, default=("kube-system",), show_default=True,
              help="Namespace whose objects are always allowed (repeatable; replaces the default).")
@click.option("--unknown-kinds", type=click.Choice(["allow", "deny"]), default="allow", show_default=True,
              help="Answer for objects of kinds without a Pod template.")
@click.option("--refresh-seconds", default=30.0, show_default=True, type=click.FloatRange(1, 3600),
              help="How often the evidence directory is re-read.")
@click.option("--decision-timeout", default=3.5, show_default=True, type=click.FloatRange(0.1, 30),
              help="Seconds to decide one request (keep below the configuration's timeoutSeconds).")
@click.option("--decision-log", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append each denial and audit-mode violation as a JSON line to this file ('-': stderr).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info")
def serve(tls_cert: Path, tls_key: Path, port: int, host: str, mode: str, config_path: Path | None,
          evidence_dir: Path | None, trust_keys: tuple[Path, ...], identities: tuple[str, ...],
          issuers: tuple[str, ...], trusted_root: Path | None, rulesets: tuple[str, ...],
          excluded: tuple[str, ...], unknown_kinds: str, refresh_seconds: float, decision_timeout: float,
          decision_log: Path | None, log_level: str) -> None:
    """Serve AdmissionReview v1 at https://HOST:PORT/validate, with /healthz, /readyz and /metrics."""
    from policy_engine.attest import TrustedIdentity, TrustPolicy
    from policy_engine.webhook.app import Limits
    from policy_engine.webhook.decide import Settings
    from policy_engine.webhook.server import ServeOptions
    from policy_engine.webhook.server import serve as run

    if len(identities) != len(issuers):
        raise UsageError("give one --cert-oidc-issuer for each --cert-identity",
                         hint="e.g. --cert-identity https://github.com/org/repo/.github/workflows/ci.yml@refs/heads/"
                              "main --cert-oidc-issuer https://token.actions.githubusercontent.com")
    if evidence_dir is not None and not evidence_dir.is_dir():
        raise UsageError(f"--evidence-dir {evidence_dir}: no such folder",
                         hint="mount the folder synced from CI (declarations + the files they cover)")
    if evidence_dir is None:
        click.echo("complyai webhook: no --evidence-dir: no image is declared, so enforce mode denies "
                   "every judged workload", err=True)
    trust = TrustPolicy.from_key_files(list(trust_keys))
    trust.identities.extend(TrustedIdentity(i, o) for i, o in zip(identities, issuers, strict=True))
    trust.trusted_root = trusted_root
    logging.basicConfig(stream=sys.stderr, level=log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if decision_log is not None:
        handler = (logging.StreamHandler(sys.stderr) if str(decision_log) == "-"
                   else logging.FileHandler(decision_log, encoding="utf-8"))
        handler.setFormatter(logging.Formatter("%(message)s"))
        decisions = logging.getLogger("complyai.webhook.decisions")
        decisions.addHandler(handler)
        decisions.setLevel(logging.INFO)
    settings = Settings(mode=mode, evidence_dir=evidence_dir, excluded_namespaces=frozenset(excluded),
                        unknown_kinds=unknown_kinds, config_path=config_path, rulesets=tuple(rulesets))
    run(ServeOptions(tls_cert=tls_cert, tls_key=tls_key, host=host, port=port, settings=settings, trust=trust,
                     refresh_seconds=refresh_seconds, limits=Limits(decision_seconds=decision_timeout),
                     log_level=log_level))
