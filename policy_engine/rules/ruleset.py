"""Load rulesets: a folder with ruleset.yaml (metadata, dates) and *.cedar files (one forbid per control)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import cedarpy
import yaml

from policy_engine import resources
from policy_engine.errors import RulesetError
from policy_engine.findings import SEVERITIES, STAGES
from policy_engine.resources import YAML_LOADER, cache_dir
from policy_engine.rules import expr

try:
    from importlib.metadata import version as _version

    _CEDARPY = _version("cedarpy")
except Exception:  # noqa: BLE001 - only a cache key
    _CEDARPY = "unknown"
REQUIRED_ANNOTATIONS = ("id", "severity", "title", "citation", "remediation")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class NamedDate:
    name: str
    date: str
    source: str = ""
    pending: str | None = None
    pending_source: str = ""


@dataclass
class Control:
    id: str
    ruleset: str
    severity: str
    title: str
    citation: str
    remediation: str
    stage: str  # the earliest stage at which it holds (commit ⊃ release ⊃ deploy)
    applies_to: tuple[str, ...]
    requirement: str = ""
    pointer: str = ""
    effective: str | None = None  # ISO date
    effective_name: str | None = None  # the ruleset milestone it follows, when named
    pending: str | None = None  # an announced but unconfirmed new date
    fields_read: tuple[str, ...] = ()
    applies_when: str = ""
    check: str = ""
    derived: dict[str, expr.Node] = field(default_factory=dict)  # "ID#n" -> parsed expression
    source: str = ""  # file:line of the policy
    position: int = 0  # index of the policy in the ruleset's concatenated Cedar text
    text: str = ""  # the policy's own Cedar source

    @cached_property
    def check_node(self) -> expr.Node | None:
        """The ``@check`` expression, parsed on first use: only explaining a finding needs it."""
        if not self.check:
            return None
        vocabulary = resources.vocabulary()
        try:
            return expr.parse(self.check, vocabulary["constants"], vocabulary["macros"])
        except expr.ExpressionError:
            return None

    def holds_at(self, stage: str) -> bool:
        return STAGES.index(stage) >= STAGES.index(self.stage)


@dataclass
class Ruleset:
    id: str
    title: str
    law: str
    version: str
    path: Path
    reference: str = ""
    dates: dict[str, NamedDate] = field(default_factory=dict)
    policy_text: str = ""
    policy_count: int = 0  # policies (permits included) in policy_text
    sha256: str = ""
    controls: list[Control] = field(default_factory=list)


def _stage_of(policy: dict, where: str) -> str:
    action = policy.get("action", {})
    op = action.get("op")
    entity = action.get("entity", {})
    if op == "All":
        return "commit"
    if op in ("==", "in") and entity.get("type") == "Action" and entity.get("id") in STAGES:
        return entity["id"]
    raise RulesetError(f"{where}: the action scope must be `action in Action::\"commit|release\"` "
                       f"or `action == Action::\"deploy\"`")


def _policy_lines(text: str) -> list[int]:
    """Line number of each policy's first annotation or keyword, in text order."""
    lines = []
    in_policy = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not in_policy and (stripped.startswith("@") or stripped.startswith(("permit", "forbid"))):
            lines.append(number)
            in_policy = True
        if in_policy and stripped.endswith(";") and not stripped.startswith("@"):
            in_policy = False
    return lines


def load_ruleset(folder: Path, vocabulary: dict) -> Ruleset:
    """Parse ruleset.yaml and the Cedar files of one folder. Schema validation happens in the engine."""
    meta_path = folder / "ruleset.yaml"
    if not meta_path.is_file():
        raise RulesetError(f"{folder}: not a ruleset (no ruleset.yaml)",
                           hint="a ruleset is a folder with ruleset.yaml and one or more .cedar files")
    try:
        meta = yaml.load(meta_path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}  # noqa: S506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{meta_path}:{mark.line + 1}:{mark.column + 1}" if mark else str(meta_path)
        raise RulesetError(f"{where}: invalid YAML: {getattr(error, 'problem', error)}") from error
    for key in ("id", "title", "version"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            raise RulesetError(f"{meta_path}: `{key}` is required (a string)")
    dates = {}
    for name, entry in (meta.get("dates") or {}).items():
        entry = entry if isinstance(entry, dict) else {"date": entry}
        date = str(entry.get("date", ""))
        if not DATE.match(date):
            raise RulesetError(f"{meta_path}: dates.{name}.date must be an ISO date (YYYY-MM-DD), got {date!r}")
        pending = entry.get("pending")
        dates[name] = NamedDate(name, date, str(entry.get("source", "")),
                                str(pending) if pending else None, str(entry.get("pending_source", "")))
    cedar_files = sorted(folder.glob("*.cedar"))
    if not cedar_files:
        raise RulesetError(f"{folder}: no .cedar files")
    ruleset = Ruleset(id=meta["id"], title=meta["title"], law=str(meta.get("law", "")), version=meta["version"],
                      path=folder, reference=str(meta.get("reference", "")), dates=dates)
    digest = hashlib.sha256(meta_path.read_bytes())
    texts = []
    for cedar_file in cedar_files:
        text = cedar_file.read_text(encoding="utf-8")
        digest.update(cedar_file.name.encode() + b"\0" + text.encode())
        controls, count = _controls(cedar_file, text, ruleset, vocabulary)
        for control in controls:
            control.position += ruleset.policy_count
        ruleset.controls.extend(controls)
        ruleset.policy_count += count
        texts.append(text)
    ruleset.policy_text = "\n".join(texts)
    ruleset.sha256 = digest.hexdigest()
    seen: dict[str, str] = {}
    for control in ruleset.controls:
        if control.id in seen:
            raise RulesetError(f"{control.source}: duplicate control id {control.id} (also at {seen[control.id]})")
        seen[control.id] = control.source
    return ruleset


def _policies_json(text: str) -> dict:
    """Effect, action scope and annotations of each policy, cached on disk by content (parsing 200
    policies costs ~80 ms)."""
    key = hashlib.sha256(f"{_CEDARPY}\0slim\0{text}".encode()).hexdigest()
    cached = cache_dir() / "policies" / f"{key}.json"
    try:
        return json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    # Keep only what loading needs (effect, action scope, annotations), not the condition ASTs.
    policies = {pid: {"effect": p["effect"], "action": p.get("action", {}), "annotations": p.get("annotations") or {}}
                for pid, p in json.loads(cedarpy.policies_to_json_str(text))["staticPolicies"].items()}
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(policies), encoding="utf-8")
        os.replace(temporary, cached)
    except OSError:
        pass  # a read-only home is fine: we just parse again next time
    return policies


def _controls(path: Path, text: str, ruleset: Ruleset, vocabulary: dict) -> tuple[list[Control], int]:
    try:
        policies = _policies_json(text)
    except (ValueError, RuntimeError) as error:
        raise RulesetError(f"{path}: Cedar syntax error: {error}",
                           hint="check the policy near the reported position; `cedar format` style is expected") from error
    lines = _policy_lines(text)
    source_lines = text.splitlines()
    controls = []
    for policy_id, policy in sorted(policies.items(), key=lambda item: int(item[0].removeprefix("policy"))):
        index = int(policy_id.removeprefix("policy"))
        where = f"{_shown(path)}:{lines[index] if index < len(lines) else 1}"
        if policy["effect"] != "forbid":
            continue
        notes = policy.get("annotations") or {}
        missing = [key for key in REQUIRED_ANNOTATIONS if not notes.get(key)]
        if missing:
            raise RulesetError(f"{where}: forbid policy lacks annotation(s) {', '.join('@' + m for m in missing)}",
                               hint="every control carries @id, @severity, @title, @citation and @remediation")
        if notes["severity"] not in SEVERITIES:
            raise RulesetError(f"{where}: @severity({notes['severity']!r}) must be one of {', '.join(SEVERITIES)}")
        effective_name = None
        effective = notes.get("effective")
        pending = None
        if effective and not DATE.match(effective):
            if effective not in ruleset.dates:
                raise RulesetError(f"{where}: @effective({effective!r}) is neither a date nor a name in "
                                   f"ruleset.yaml dates ({', '.join(ruleset.dates) or 'none defined'})")
            named = ruleset.dates[effective]
            effective_name, effective, pending = named.name, named.date, named.pending
        derived = {}
        for key, source in notes.items():
            if key.startswith("derive_"):
                name = f"{notes['id']}#{key.removeprefix('derive_')}"
                try:
                    derived[name] = expr.parse(source, vocabulary.get("constants"), vocabulary.get("macros"))
                except expr.ExpressionError as error:
                    raise RulesetError(f"{where}: @{key}: {error}") from error
        applies_to = tuple(a.strip() for a in notes.get("applies_to", "").split(",") if a.strip())
        controls.append(Control(
            id=notes["id"], ruleset=ruleset.id, severity=notes["severity"], title=notes["title"],
            citation=notes["citation"], remediation=notes["remediation"], stage=_stage_of(policy, where),
            applies_to=applies_to or ("model_card", "data_manifest", "sbom", "workload"),
            requirement=notes.get("requirement", ""), pointer=notes.get("pointer", ""),
            effective=effective, effective_name=effective_name, pending=pending,
            fields_read=tuple(f.strip() for f in notes.get("fields", "").split(",") if f.strip()),
            applies_when=notes.get("applies_when", ""), check=notes.get("check", ""),
            derived=derived, source=where, position=index,
            text="\n".join(source_lines[lines[index] - 1:lines[index + 1] - 1] if index + 1 < len(lines)
                           else source_lines[lines[index] - 1:]) if index < len(lines) else "",
        ))
    return controls, len(policies)


def _shown(path: Path) -> str:
    """A path as a person would type it from here: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def today() -> dt.date:
    return dt.date.today()
