"""`complyai init`: a commented configuration and a model card template to start from."""

from __future__ import annotations

from pathlib import Path

import click

from policy_engine.errors import UsageError

CONFIG_TEMPLATE = """\
# complyai configuration. Docs: `complyai --help`, README.md.
# Rulesets to evaluate (bundled ids or paths to your own ruleset folders). Default: all bundled.
rulesets: [eu-ai-act, gdpr, hipaa, dpdp]

# Lowest severity that fails the gate: critical | high | medium | low | never
fail_on: high

# Lifecycle stage whose controls apply by default: commit | release | deploy
stage: commit

# Globs (relative to this file) to skip during discovery, in addition to .gitignore.
exclude:
  - "vendor/**"

# Largest artifact complyai will read, in MB.
max_artifact_mb: 20

# Data scanning for data manifests that list their files (slower; off by default).
scan:
  enabled: false
  sample: 10000            # rows per file (reservoir sample), or a fraction such as 0.1
  toxicity_threshold: 0.04 # upper 95 % bound allowed for generative-model training data

# Waivers keep a finding in every report, marked waived, until they expire.
waivers: []
#  - rule: EUAIA-ART72-POST-MARKET-MONITORING-PLAN
#    artifact: "model_cards/*.yaml"
#    reason: "plan under legal review, ticket GRC-142"
#    approver: "jane.doe@example.com"
#    expires: "2027-01-31"
"""


@click.command()
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="Where to write (default: the current directory).")
def init(force: bool, directory: Path) -> None:
    """Write a commented .complyai.yaml, model_card.yaml and datamanifest.yaml to start from."""
    from policy_engine import resources
    from policy_engine.report import write_atomic

    templates = resources.model_cards_dir() / "templates"
    card = (templates / "modelcard.yaml").read_text(encoding="utf-8")
    targets = {directory / ".complyai.yaml": CONFIG_TEMPLATE,
               directory / "model_card.yaml": card,
               # the card template links its training data manifest by this relative path
               directory / "datamanifest.yaml": (templates / "datamanifest.yaml").read_text(encoding="utf-8")}
    existing = [str(p) for p in targets if p.exists()]
    if existing and not force:
        raise UsageError(f"{', '.join(existing)} already exist(s)", hint="use --force to overwrite")
    directory.mkdir(parents=True, exist_ok=True)
    for path, text in targets.items():
        write_atomic(path, text)
        click.echo(f"wrote {path}")
    click.echo("next: fill in model_card.yaml and datamanifest.yaml, then run `complyai audit`")
