"""Why a declaration was not issued. Both exit 1: nothing was declared (errors.py holds the shared base)."""

from __future__ import annotations

from policy_engine.errors import ComplyError


class DeclarationRefused(ComplyError):
    """The declaration cannot be issued: the gate failed or Annex V contents are missing."""

    exit_code = 1


class SigningError(DeclarationRefused):
    """Signing itself failed (Sigstore unreachable, Fulcio refused the identity, ...)."""
