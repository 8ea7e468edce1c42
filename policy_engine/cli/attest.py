"""`complyai declare`, `complyai verify`, `complyai keygen`: parse options, call policy_engine.attest.

Exit codes: 0 success; 1 refused (gate failed) or verification failed; 2 usage error; 3 internal error.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from policy_engine.errors import ComplyError, UsageError, VerificationError

F = TypeVar("F", bound=Callable[..., Any])


def _debug() -> bool:
    """--debug on the `complyai` group (or COMPLYAI_DEBUG) lets the group show the traceback."""
    ctx = click.get_current_context(silent=True)
    return bool(os.environ.get("COMPLYAI_DEBUG") or (ctx and ctx.find_root().params.get("debug")))


def _reports_errors(command: F) -> F:
    """Map complyai errors to their exit codes with a message, never a traceback (unless COMPLYAI_DEBUG)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ComplyError as exc:
            if _debug():
                raise
            click.echo(f"complyai: error: {exc.diagnostics()}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug: say so plainly and exit 3
            if _debug():
                raise
            click.echo(f"complyai: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                       err=True)
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


PathArg = click.Path(path_type=Path, dir_okay=False)


@click.command("keygen")
@click.option("--out", "prefix", required=True, type=click.Path(path_type=Path),
              help="Write PREFIX.key (encrypted private key) and PREFIX.pub (public key).")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Last day the key is valid (YYYY-MM-DD); after it, complyai neither signs with it nor "
                   "accepts declarations it signed.")
@click.option("--force", is_flag=True, help="Replace an existing key pair at PREFIX.")
@_reports_errors
def keygen(prefix: Path, expires: dt.datetime | None, force: bool) -> None:
    """Create an ECDSA P-256 signing key pair for air-gapped declarations.

    The private key is encrypted with the passphrase in COMPLYAI_KEY_PASSWORD.
    """
    from policy_engine.attest.keys import generate_keypair

    pair = generate_keypair(prefix, expires=expires.date() if expires else None, force=force)
    click.echo(f"wrote {pair.private} (private, encrypted) and {pair.public} (public)")
    click.echo(f"key id {pair.keyid}" + (f", expires {pair.expires.isoformat()}" if pair.expires else ""))


@click.command("declare")
@click.argument("target", type=PathArg, metavar="MODEL_CARD")
@click.option("--sbom", "sboms", multiple=True, type=PathArg, help="An SBOM the declaration covers (repeatable).")
@click.option("--manifest", "manifests", multiple=True, type=PathArg,
              help="A data manifest the declaration covers (repeatable).")
@click.option("--image", "images", multiple=True, metavar="REF@sha256:DIGEST",
              help="A container image, pinned by digest, the declaration covers (repeatable).")
@click.option("--key", "key", type=PathArg, help="Sign with this private key (from complyai keygen).")
@click.option("--keyless", is_flag=True, help="Sign with Sigstore keyless signing (OIDC identity in CI).")
@click.option("--identity-token", envvar="SIGSTORE_ID_TOKEN", default=None,
              help="OIDC token for --keyless (default: detect the CI's ambient credential).")
@click.option("--staging", is_flag=True, help="Use Sigstore's staging instance with --keyless (for testing).")
@click.option("--ruleset", "rulesets", multiple=True, help="Ruleset id or folder (repeatable; default: all bundled).")
@click.option("--config", "config_path", type=PathArg, default=None, help="Path of .complyai.yaml.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Declaration file to write (with --render: the document; default stdout).")
@click.option("--render", type=click.Choice(["markdown", "html"]), default=None,
              help="Instead of declaring: render MODEL_CARD, then a declaration file, as an Annex V document.")
@_reports_errors
def declare(
    target: Path,
    sboms: tuple[Path, ...],
    manifests: tuple[Path, ...],
    images: tuple[str, ...],
    key: Path | None,
    keyless: bool,
    identity_token: str | None,
    staging: bool,
    rulesets: tuple[str, ...],
    config_path: Path | None,
    out: Path | None,
    render: str | None,
) -> None:
    """Issue a signed EU declaration of conformity for MODEL_CARD.

    Audits the card and the files it covers at the `release` stage and refuses (exit 1) unless the gate
    passes. With --render markdown|html, MODEL_CARD is instead a declaration file to print.
    """
    if render:
        _render(target, render, out)
        return
    from policy_engine.attest.declare import DeclareRequest, KeylessSigner, LocalKeySigner
    from policy_engine.attest.declare import declare as run
    from policy_engine.attest.subjects import parse_image_ref

    if bool(key) == keyless:
        raise UsageError("choose one way to sign: --key KEY.key (local key) or --keyless (Sigstore)")
    if out is None:
        raise UsageError("--out FILE is required: where to write the declaration")
    signer = LocalKeySigner(key) if key else KeylessSigner(identity_token=identity_token, staging=staging)
    request = DeclareRequest(
        model_card=target,
        out=out,
        signer=signer,
        sboms=list(sboms),
        manifests=list(manifests),
        images=[parse_image_ref(ref) for ref in images],
        rulesets=list(rulesets),
        config_path=config_path,
    )
    result = run(request)
    click.echo(
        f"declared {target}: gate {result.verdict.decision} at release, {len(result.subjects)} subjects; "
        f"wrote {result.out}"
    )


def _render(path: Path, fmt: str, out: Path | None) -> None:
    from policy_engine.attest.render import RENDERERS
    from policy_engine.attest.verify import load_declaration

    declaration = load_declaration(path)
    statement = declaration.unverified_statement()
    note = (
        "not verified by this rendering; check it with `complyai verify "
        f"{path} --key ...` or `--cert-identity ... --cert-oidc-issuer ...`"
    )
    if declaration.kind == "dsse":
        keyids = [s.get("keyid", "") for s in declaration.document.get("signatures") or [] if isinstance(s, dict)]
        note = f"DSSE signature by key {', '.join(keyids) or '(no key id)'}; {note}"
    else:
        note = f"Sigstore bundle (keyless); {note}"
    document = RENDERERS[fmt](statement, note)
    if out is None:
        click.echo(document, nl=False)
    else:
        from policy_engine.attest.declare import write_atomically

        write_atomically(out, document.encode("utf-8"))
        click.echo(f"wrote {out}", err=True)


@click.command("verify")
@click.argument("declaration", type=PathArg)
@click.argument("files", nargs=-1, type=PathArg)
@click.option("--key", "keys", multiple=True, type=PathArg,
              help="Trusted public key (PREFIX.pub) for a key-signed declaration (repeatable).")
@click.option("--cert-identity", default=None, help="Expected signer identity of a keyless declaration.")
@click.option("--cert-oidc-issuer", default=None, help="Expected OIDC issuer of that identity.")
@click.option("--trusted-root", type=PathArg, default=None,
              help="Sigstore trusted_root.json (default: the bundled public-good root; always offline).")
@click.option("--reevaluate", is_flag=True, help="Re-run the audit at the `deploy` stage on the covered files.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@_reports_errors
def verify(
    declaration: Path,
    files: tuple[Path, ...],
    keys: tuple[Path, ...],
    cert_identity: str | None,
    cert_oidc_issuer: str | None,
    trusted_root: Path | None,
    reevaluate: bool,
    fmt: str,
) -> None:
    """Verify DECLARATION: signature, predicate type and version, and that FILES match its digests.

    \b
    A key-signed declaration is a DSSE envelope that cosign (2.x) also verifies, offline:
      cosign verify-blob-attestation --key PREFIX.pub --insecure-ignore-tlog=true \\
        --type https://complyai.dev/attestation/eu-declaration-of-conformity/v1 \\
        --signature decl.json model_card.yaml
    """
    from policy_engine.attest.keyless import TrustedIdentity
    from policy_engine.attest.verify import TrustPolicy, load_declaration, verify_loaded

    if bool(cert_identity) != bool(cert_oidc_issuer):
        raise UsageError("--cert-identity and --cert-oidc-issuer go together", hint="give both, or use --key")
    if not keys and not cert_identity:
        raise UsageError("say whom to trust: --key PREFIX.pub, or --cert-identity ID --cert-oidc-issuer URL")
    if trusted_root and not cert_identity:
        raise UsageError("--trusted-root applies to keyless declarations: give --cert-identity too")
    trust = TrustPolicy.from_key_files(list(keys))
    if cert_identity and cert_oidc_issuer:
        trust.identities.append(TrustedIdentity(cert_identity, cert_oidc_issuer))
    trust.trusted_root = trusted_root
    verified = verify_loaded(load_declaration(declaration), trust)
    matched = verified.check_files(list(files))
    verdict = _reevaluate(verified, list(files)) if reevaluate else None
    annex = verified.predicate.get("annexV") or {}
    system = annex.get("1_system") or {}
    if fmt == "json":
        click.echo(json.dumps({
            "verified": True,
            "declaration": str(declaration),
            "signer": verified.signer,
            "predicateType": verified.predicate_type,
            "system": {"name": system.get("name"), "version": system.get("version")},
            "filesChecked": [{"path": str(p), "subject": s.name, "sha256": s.sha256} for p, s in matched],
            "imageDigests": verified.image_digests(),
            "reevaluation": verdict.decision if verdict else None,
        }, indent=2))
        return
    click.echo(f"verified {declaration}: signed by {verified.signer}")
    click.echo(f"  {verified.predicate_type}")
    provider = (annex.get("2_provider") or {}).get("name", "")
    click.echo(f"  {system.get('name', '')} {system.get('version', '')} by {provider}, "
               f"issued {(annex.get('8_issue') or {}).get('date', '')}")
    for path, subject in matched:
        click.echo(f"  ok {path} = {subject.name} (sha256 {subject.sha256[:16]}...)")
    for digest in verified.image_digests():
        click.echo(f"  covers image {digest}")
    if not files:
        click.echo("  no files given: only the signature and statement were checked, not file contents")
    else:
        unchecked = [s.name for s in verified.file_subjects if s not in {subject for _, subject in matched}]
        if unchecked:
            click.echo(f"  covered but not given, so not checked: {', '.join(unchecked)}")
    if verdict:
        click.echo(f"  re-evaluated at deploy: {verdict.decision}")


def _reevaluate(verified: Any, files: list[Path]) -> Any:
    """Audit every covered file again at `deploy`, after checking each against its signed digest."""
    from policy_engine.attest.declare import describe_failures
    from policy_engine.attest.subjects import locate_subjects
    from policy_engine.pipeline import AuditOptions, run_audit

    located, missing = locate_subjects(verified.file_subjects, files)
    if missing:
        raise UsageError(
            f"--reevaluate needs every covered file; not found: {', '.join(missing)}",
            hint="give them after the declaration, or run from the folder their names are relative to",
        )
    verified.check_files(located)
    verdict = run_audit(AuditOptions(paths=located, stage="deploy", explicit_only=True))
    if verdict.decision == "fail":
        raise VerificationError(
            "the signature is valid, but the covered artifacts fail the deploy gate now:\n"
            + describe_failures(verdict),
            hint="fix the findings and issue a new declaration",
        )
    return verdict
