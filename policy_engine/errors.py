"""The error hierarchy. The CLI maps each class to an exit code in one place.

Every message says what is wrong, where, and how to fix it; the traceback is shown only with --debug.
"""

from __future__ import annotations


class ComplyError(Exception):
    """Base class of every error complyai reports to a user."""

    exit_code = 3

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class UsageError(ComplyError):
    """The command line is wrong: a missing path, a bad option value."""

    exit_code = 2


class ConfigError(ComplyError):
    """A configuration file (.complyai.yaml, a user ruleset) is broken."""

    exit_code = 2


class RulesetError(ConfigError):
    """A ruleset cannot be loaded: Cedar syntax, schema validation, bad ruleset.yaml."""


class VerificationError(ComplyError):
    """A signature, digest or policy check on a declaration failed."""

    exit_code = 1
