"""The `complyai` command line: parse arguments, call the pipeline, map errors to exit codes.

Exit codes (a contract): 0 the gate passed; 1 the gate failed (or a verification failed);
2 usage or configuration error; 3 internal error (a bug: the traceback is shown with --debug).
"""

from __future__ import annotations

import importlib
import sys
import traceback

import click

from policy_engine import __version__
from policy_engine.errors import ComplyError

# Subcommands are imported only when invoked, so `complyai audit` never loads the scanner's Presidio,
# the classifier's onnxruntime or sigstore.
COMMANDS = {
    "audit": "policy_engine.cli.audit:audit",
    "rules": "policy_engine.cli.rules:rules",
    "init": "policy_engine.cli.init:init",
    "scan": "policy_engine.cli.scan:scan",
    "declare": "policy_engine.cli.attest:declare",
    "verify": "policy_engine.cli.attest:verify",
    "keygen": "policy_engine.cli.attest:keygen",
    "webhook": "policy_engine.cli.webhook:webhook",
    "ci": "policy_engine.cli.ci:ci",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:  # that command is not part of this installation
                return None
            raise
        return getattr(module, attribute)

    def invoke(self, ctx: click.Context):  # noqa: ANN201 - click's signature
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except ComplyError as error:
            if debug:
                traceback.print_exc()
            click.echo(f"complyai: error: {error.diagnostics()}", err=True)
            sys.exit(error.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("complyai: interrupted", err=True)
            sys.exit(130)
        except Exception as error:  # noqa: BLE001 - the one place a bug becomes exit 3
            if debug:
                traceback.print_exc()
            click.echo(f"complyai: internal error: {type(error).__name__}: {error} "
                       "(run with --debug for the traceback, and please report it)", err=True)
            sys.exit(3)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="complyai")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def main(debug: bool) -> None:
    """Compliance-as-code for machine-learning systems.

    complyai reads model cards, data manifests and SBOMs, checks them against the EU AI Act, GDPR,
    HIPAA and India's DPDP Act (Cedar controls, each citing its article), and gates your pipeline.

    \b
    Start here:
      complyai init                 write .complyai.yaml and a model card template
      complyai audit                audit every artifact under the current directory
      complyai audit --format sarif --output complyai.sarif
      complyai rules list           every control with its citation
      complyai scan data/           which personal data the data files hold
      complyai declare CARD --key release.key --out declaration.json
    """
