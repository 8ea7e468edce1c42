"""Generate the per-control test cases of the bundled rulesets (rulesets/<id>/tests/).

    python tools/make_rule_cases.py            # rewrite rulesets/*/tests/{base,controls,dates,stages}
    python tools/make_rule_cases.py --check    # exit 1 when the committed cases are out of date

Start from fully compliant bundles (tools/rule_case_bases.py: model card + data manifest + CycloneDX
SBOM + workload) and, for every control, search the smallest mutation of one bundle that makes that
control fire: one field removed or changed, or a second field changed to make the control applicable.
The search evaluates the controls' own ``@applies_when``/``@check`` expressions in Python (the
reference semantics of the catalog); `complyai rules test` then checks the Cedar translation against
those expectations. Hand-written mutations (``MANUAL``) cover the few controls that need three fields.

Case layout::

    tests/base/<bundle>/            every control of the ruleset must hold (not_fires: all)
    tests/controls/<CONTROL-ID>/    the control fires (fires: [ID]); the others that the mutation
                                    leaves satisfied are listed in not_fires
    tests/dates/<name>/             one day before / on an effective date (info findings not counted)
    tests/stages/<name>/            a release-stage control does not fire at commit
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from rule_case_bases import AS_OF, BUNDLES, BUNDLES_FOR  # noqa: E402

from policy_engine import resources  # noqa: E402
from policy_engine.rules import expr  # noqa: E402
from policy_engine.rules.ruleset import Control, load_ruleset  # noqa: E402

RULESETS = ("eu-ai-act", "gdpr", "hipaa", "dpdp")
GENERATED = ("base", "controls", "dates", "stages")
KINDS = ("model_card", "data_manifest", "sbom", "workload")
FILES = {"model_card": "model_card.yaml", "data_manifest": "data_manifest.yaml", "sbom": "sbom.cdx.json",
         "workload": "workload.yaml"}
ENVELOPE_KIND = {"model_card": "ModelCard", "data_manifest": "DataManifest", "workload": "Workload"}
DELETE = object()
# Links between the files: changing them changes which artifacts are evaluated together, which the
# search's own evaluation does not model, so it leaves them alone.
LINK_FIELDS = {"model_card.sbom_ref", "workload.model_refs", "workload.dataset_refs"}

# Controls that need more than two fields changed: (bundle, [(path, value)], why).
MANUAL: dict[str, tuple[str, list[tuple[str, Any]], str]] = {
    "EUAIA-ART10-55-SCAN-TOXIC-TRAINING-DATA": ("gpai", [
        ("data_manifest.scan.toxicity_rate_upper", 0.09), ("data_manifest.scan.toxicity_threshold", 0.04)],
        "training texts whose toxic share may reach 9 %, above the 4 % threshold"),
    "EUAIA-ART6-1-ANNEX-I-SAFETY-COMPONENT": ("readmission", [
        ("model_card.market.eu_market", True), ("model_card.kind", "ai_system"), ("model_card.risk.tier", "limited"),
        ("model_card.risk.annex_i_product", "Regulation (EU) 2017/745 (medical devices)"),
        ("model_card.risk.annex_i_third_party_assessment", True)],
        "a medical-device safety component (Annex I, third-party assessment) declared limited-risk"),
    "EUAIA-ART5-1H-REALTIME-RBI-LAW-ENFORCEMENT": ("credit", [
        ("model_card.capabilities", ["remote_biometric_identification"]),
        ("model_card.intended_use.domains", ["law_enforcement"]),
        ("model_card.risk.art5_screening.realtime_rbi_law_enforcement", True)],
        "real-time remote biometric identification for law enforcement without authorisation"),
    "EUAIA-ART5-1F-EMOTION-WORK-EDUCATION": ("credit", [
        ("model_card.capabilities", ["emotion_recognition", "decision_support"]),
        ("model_card.intended_use.domains", ["employment"])],
        "emotion recognition used on employees, without a medical or safety purpose"),
    "EUAIA-ANNEXIII-2-CRITICAL-INFRASTRUCTURE": ("credit", [
        ("model_card.capabilities", ["safety_component", "decision_support"]),
        ("model_card.intended_use.domains", ["critical_infrastructure"])],
        "a safety component of critical infrastructure without Annex III point 2"),
    "EUAIA-ART15-5-SBOM-VULNERABILITIES": ("credit", [
        ("sbom.vulnerabilities", [{"id": "CVE-2025-3248", "severity": "critical", "state": "exploitable"}])],
        "the shipped image has an exploitable critical vulnerability"),
    "GDPR-ART32-SBOM-VULNERABILITIES": ("credit", [
        ("sbom.vulnerabilities", [{"id": "CVE-2025-3248", "severity": "critical", "state": "exploitable"}])],
        "the shipped image has an exploitable critical vulnerability"),
    "HIPAA-164.308A1IIB-VULNERABILITY-MANAGEMENT": ("readmission", [
        ("sbom.vulnerabilities", [{"id": "CVE-2025-3248", "severity": "critical", "state": "exploitable"}])],
        "the shipped image has an exploitable critical vulnerability"),
    "DPDP-S8-5-SBOM-VULNERABILITIES": ("lending", [
        ("sbom.vulnerabilities", [{"id": "CVE-2025-3248", "severity": "critical", "state": "exploitable"}])],
        "the shipped image has an exploitable critical vulnerability"),
    "GDPR-ART8-CHILD-CONSENT": ("credit", [
        ("data_manifest.lawful_basis.gdpr_art6", "consent"),
        ("data_manifest.personal_data.subject_categories", ["adult", "child"]),
        ("data_manifest.consent", {"records_ref": "https://privacy.nordlicht-kredit.example/consent-ledger",
                                   "withdrawal_mechanism": "https://nordlicht-kredit.example/konto/einwilligung",
                                   "affirmative_action": True, "parental_consent_verified": False})],
        "consent of under-16s without verified parental consent"),
    "HIPAA-164.514C-REIDENTIFICATION-CODE": ("readmission", [
        ("data_manifest.personal_data.identifiability", "deidentified_expert"),
        ("data_manifest.deidentification", {
            "method": "expert_determination",
            "expert_determination_ref": "https://compliance.mercy-valley.example/expert-determination-2028.pdf",
            "expert_determination_date": "2028-01-20", "reid_code_present": True,
            "reid_code_derived_from_phi": True, "reid_key_shared": False})],
        "the re-identification code is derived from the patient's MRN"),
}


# ------------------------------------------------------------------------------------ documents


def get(doc: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def put(doc: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        if not isinstance(doc.get(part), dict):
            doc[part] = {}
        doc = doc[part]
    if value is DELETE:
        doc.pop(parts[-1], None)
    else:
        doc[parts[-1]] = copy.deepcopy(value)


def bundle_docs(name: str, with_workload: bool) -> dict[str, Any]:
    source = BUNDLES[name]
    docs = {kind: copy.deepcopy(source[kind]) for kind in KINDS if source.get(kind) is not None}
    card_name, manifest_name = source["names"]
    docs["model_card"]["id"] = card_name
    if "data_manifest" in docs:
        docs["data_manifest"]["id"] = manifest_name
    if not with_workload:
        docs.pop("workload", None)
    return docs


# ----------------------------------------------------------------------------------- evaluation


@dataclass
class Law:
    id: str
    controls: list[Control]
    parsed: dict[str, tuple[expr.Node, expr.Node]] = field(default_factory=dict)


def load_laws() -> dict[str, Law]:
    vocabulary = resources.vocabulary()
    laws = {}
    for ruleset_id in RULESETS:
        ruleset = load_ruleset(resources.rulesets_dir() / ruleset_id, vocabulary)
        law = Law(ruleset_id, ruleset.controls)
        for control in ruleset.controls:
            law.parsed[control.id] = (
                expr.parse(control.applies_when or "true", vocabulary.get("constants"), vocabulary.get("macros")),
                expr.parse(control.check or "true", vocabulary.get("constants"), vocabulary.get("macros")))
        laws[ruleset_id] = law
    return laws


def _scopes(control: Control, docs: dict[str, Any]) -> list[dict[str, Any]]:
    """The documents each evaluation request of this control sees, one per subject artifact."""
    scopes = []
    for kind in control.applies_to:
        if kind not in docs:
            continue
        if kind == "sbom":
            scopes.append({k: v for k, v in docs.items() if k in ("model_card", "sbom")})
        elif kind == "workload":
            scopes.append(dict(docs))
        else:
            scopes.append({k: v for k, v in docs.items() if k != "workload"})
    return scopes


def fires(law: Law, control: Control, docs: dict[str, Any], today: Any) -> tuple[bool, bool]:
    """(fires, applies) for the control on this bundle."""
    applies_node, check_node = law.parsed[control.id]
    fired = applied = False
    for scope_docs in _scopes(control, docs):
        scope = expr.Scope(scope_docs, today)
        if expr.evaluate(applies_node, scope) is True:
            applied = True
            if expr.evaluate(check_node, expr.Scope(scope_docs, today)) is not True:
                fired = True
    return fired, applied


def firing(law: Law, docs: dict[str, Any], today: Any) -> set[str]:
    return {c.id for c in law.controls if fires(law, c, docs, today)[0]}


# ------------------------------------------------------------------------------------ mutations


def _schema_enums() -> dict[str, list]:
    """Allowed values per vocabulary path, from the JSON Schemas (the vocabulary's own lists are abridged)."""
    enums: dict[str, list] = {}

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, dict):
            return
        if "enum" in node:
            enums[path] = [v for v in node["enum"] if v is not None]
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            items = node["items"]
            if "enum" in items:
                enums[path] = list(items["enum"])
            walk(items, path + "[]")
        for name, sub in (node.get("properties") or {}).items():
            walk(sub, f"{path}.{name}" if path else name)

    for kind, schema_file in (("model_card", "modelcard.schema.json"), ("data_manifest", "datamanifest.schema.json")):
        schema = json.loads((ROOT / "model_cards" / schema_file).read_text(encoding="utf-8"))
        walk(schema["$defs"]["spec"], kind)
    for path, spec in resources.vocabulary()["fields"].items():
        if path not in enums and spec.get("values"):
            enums[path] = list(spec["values"])
    return enums


def _literals(node: Any, out: dict[str, list]) -> None:
    """Literals an expression compares each path with (to try values on both sides of a test)."""
    if isinstance(node, expr.Binary):
        for a, b in ((node.left, node.right), (node.right, node.left)):
            if isinstance(a, expr.Path) and isinstance(b, expr.Literal):
                values = b.value if isinstance(b.value, list) else [b.value]
                out.setdefault(a.text, []).extend(values)
        _literals(node.left, out)
        _literals(node.right, out)
    elif isinstance(node, expr.Not):
        _literals(node.operand, out)
    elif isinstance(node, expr.Call):
        for arg in node.args:
            _literals(arg, out)


def _candidates(path: str, current: Any, ftype: str, enums: dict[str, list], literals: list) -> list[Any]:
    values: list[Any] = [DELETE]
    if ftype == "bool":
        values += [True, False]
    elif ftype in ("int", "number"):
        numbers = [n for n in literals if isinstance(n, (int, float)) and not isinstance(n, bool)]
        for n in numbers:
            values += [n - 1, n + 1] if isinstance(n, int) else [n * 0.5, n * 2]
        values += [0, 1, 5, 31, 100, 400, 1000, 5000]
    elif ftype == "date":
        dates = [d for d in literals if isinstance(d, str) and len(d) == 10 and d[4] == "-"]
        values += ["2019-01-01", "2027-01-01", "2035-01-01"] + dates
    elif ftype == "attestation":
        values += [{"status": "not_attested", "by": "Nobody", "date": "2028-01-01"},
                   {**(current or {}), "expires": "2028-01-31"} if isinstance(current, dict) else DELETE]
    elif ftype.startswith("list<enum>") or (ftype.startswith("list") and path in enums):
        current = current if isinstance(current, list) else []
        values += [[]] + [[v for v in current if v != drop] for drop in current]
        values += [current + [add] for add in enums.get(path, []) if add not in current]
    elif ftype.startswith("list"):
        current = current if isinstance(current, list) else []
        values += [[]] + [current + [v] for v in literals if isinstance(v, str)]
    elif ftype == "enum":
        values += [v for v in enums.get(path, []) if v != current]
    else:  # string, ref
        values += [v for v in literals if isinstance(v, str) and v != current] + ["ZZ"]
    return values


@dataclass
class Mutation:
    changes: list[tuple[str, Any]]

    def apply(self, docs: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(docs)
        for path, value in self.changes:
            _apply(out, path, value)
        return out

    def describe(self) -> str:
        parts = []
        for path, value in self.changes:
            shown = "removed" if value is DELETE else f"= {json.dumps(value, default=str)}"
            parts.append(f"{path} {shown}")
        return "; ".join(parts)


def _apply(docs: dict[str, Any], path: str, value: Any) -> None:
    kind, _, rest = path.partition(".")
    if kind not in docs:
        if value is DELETE:
            return
        docs[kind] = {}
    doc = docs[kind]
    if "[]." in rest:  # item field: change it in the first item
        head, _, tail = rest.partition("[].")
        items = get(doc, head)
        if isinstance(items, list) and items:
            put(items[0], tail, value)
        elif value is not DELETE:
            put(doc, head, [{}])
            put(get(doc, head)[0], tail, value)
        return
    put(doc, rest.removesuffix("[]"), value)


def _single_mutations(paths: list[str], docs: dict[str, Any], types: dict[str, str], enums: dict[str, list],
                      literals: dict[str, list]) -> list[Mutation]:
    out = []
    for path in paths:
        if path in LINK_FIELDS:
            continue
        kind, _, rest = path.partition(".")
        doc = docs.get(kind)
        ftype = types.get(path, "string")
        current = None
        if doc is not None:
            if "[]." in rest:
                head, _, tail = rest.partition("[].")
                items = get(doc, head)
                current = get(items[0], tail) if isinstance(items, list) and items and isinstance(items[0], dict) \
                    else None
            else:
                current = get(doc, rest.removesuffix("[]"))
        for value in _candidates(path, current, ftype, enums, literals.get(path, [])):
            if value is DELETE and current is None:
                continue
            if value is not DELETE and value == current:
                continue
            out.append(Mutation([(path, value)]))
    return out


def _paths_of(node: Any) -> list[str]:
    seen = []
    for p in expr.paths(node):
        text = p.text
        if text not in seen:
            seen.append(text)
    return seen


class Searcher:
    def __init__(self, laws: dict[str, Law]) -> None:
        self.laws = laws
        vocabulary = resources.vocabulary()
        self.types = {path: spec["type"] for path, spec in vocabulary["fields"].items()}
        self.enums = _schema_enums()
        self.today = expr.parse_date(AS_OF)

    def search(self, law: Law, control: Control) -> tuple[str, bool, Mutation, set[str]] | None:
        """(bundle, with_workload, mutation, controls firing after it) with the least collateral."""
        if control.id in MANUAL:
            bundle, changes, _ = MANUAL[control.id]
            mutation = Mutation(list(changes))
            for with_workload in (False, True):
                docs = mutation.apply(bundle_docs(bundle, with_workload))
                if fires(law, control, docs, self.today)[0]:
                    return bundle, with_workload, mutation, firing(law, docs, self.today)
            return None
        applies_node, check_node = law.parsed[control.id]
        literals: dict[str, list] = {}
        _literals(applies_node, literals)
        _literals(check_node, literals)
        check_paths, applies_paths = _paths_of(check_node), _paths_of(applies_node)
        needs_workload = control.applies_to == ("workload",)
        best = None
        for depth in (1, 2):
            for bundle in BUNDLES_FOR[law.id]:
                for with_workload in ((True,) if needs_workload else (False, True)):
                    if with_workload and BUNDLES[bundle].get("workload") is None:
                        continue
                    base = bundle_docs(bundle, with_workload)
                    if any(kind not in base for kind in control.applies_to) and not set(control.applies_to) & set(base):
                        continue
                    for mutation in self._mutations(depth, base, check_paths, applies_paths, law, control,
                                                    literals):
                        docs = mutation.apply(base)
                        if not fires(law, control, docs, self.today)[0]:
                            continue
                        now = firing(law, docs, self.today)
                        score = (len(now), len(mutation.changes), with_workload)
                        if best is None or score < best[0]:
                            best = (score, (bundle, with_workload, mutation, now))
                        if len(now) == 1:
                            break
                    if best and len(best[1][3]) == 1:
                        return best[1]
            if best:
                return best[1]
        return None

    def _mutations(self, depth: int, base: dict[str, Any], check_paths: list[str], applies_paths: list[str],
                   law: Law, control: Control, literals: dict[str, list]) -> list[Mutation]:
        paths = check_paths + [p for p in applies_paths if p not in check_paths]
        singles = _single_mutations(paths, base, self.types, self.enums, literals)
        if depth == 1:
            return singles
        # Two changes: one that makes the control applicable, then one that breaks its check.
        enabling = []
        for mutation in _single_mutations(applies_paths, base, self.types, self.enums, literals):
            if fires(law, control, mutation.apply(base), self.today)[1]:
                enabling.append(mutation)
        pairs = []
        for first in enabling[:40]:
            mutated = first.apply(base)
            for second in _single_mutations(paths, mutated, self.types, self.enums, literals):
                if second.changes[0][0] != first.changes[0][0]:
                    pairs.append(Mutation(first.changes + second.changes))
        return pairs


# -------------------------------------------------------------------------------------- writing


def _cyclonedx(sbom: dict[str, Any], version: str) -> dict[str, Any]:
    """The normalised SBOM view as a CycloneDX 1.6 JSON document."""
    components = []
    for index, comp in enumerate(sbom.get("components") or []):
        item: dict[str, Any] = {"type": comp.get("type", "library"), "bom-ref": f"component-{index}",
                                "name": comp.get("name", f"component-{index}")}
        if comp.get("version") is not None:
            item["version"] = str(comp["version"])
        # No modelCard on the model component: complyai reads an ML-BOM modelCard as a model card of its
        # own, and these cases describe the model in the complyai card that links this SBOM.
        if item["type"] == "library":
            item["purl"] = f"pkg:pypi/{item['name']}@{item.get('version', '')}"
        components.append(item)
    vulnerabilities = []
    for vuln in sbom.get("vulnerabilities") or []:
        entry: dict[str, Any] = {"id": vuln["id"], "source": {"name": "NVD",
                                                               "url": f"https://nvd.nist.gov/vuln/detail/{vuln['id']}"}}
        if vuln.get("severity"):
            entry["ratings"] = [{"source": {"name": "NVD"}, "severity": vuln["severity"]}]
        if vuln.get("state"):
            entry["analysis"] = {"state": vuln["state"]}
        entry["affects"] = [{"ref": "component-1"}]
        vulnerabilities.append(entry)
    document: dict[str, Any] = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", "version": 1,
        "metadata": {"timestamp": "2028-06-01T09:00:00Z",
                     "component": {"type": "application", "bom-ref": "root",
                                   "name": sbom.get("subject", "service"), "version": version}},
        "components": components,
    }
    if vulnerabilities:
        document["vulnerabilities"] = vulnerabilities
    return document


def _envelope(kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    spec = {k: v for k, v in doc.items() if k not in ("id",)}
    metadata: dict[str, Any] = {"name": doc.get("id") or "unnamed"}
    if kind in ("model_card", "data_manifest") and doc.get("version") is not None:
        metadata["version"] = str(doc["version"])
    return {"apiVersion": "complyai/v1", "kind": ENVELOPE_KIND[kind], "metadata": metadata, "spec": spec}


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)


def write_case(folder: Path, docs: dict[str, Any], expect: dict[str, Any], comment: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for kind, doc in docs.items():
        target = folder / FILES[kind]
        if kind == "sbom":
            version = str(get(docs.get("model_card") or {}, "version") or "1.0.0")
            target.write_text(json.dumps(_cyclonedx(doc, version), indent=2) + "\n", encoding="utf-8")
            continue
        text = yaml.dump(_envelope(kind, doc), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
        target.write_text(f"# {comment}\n" + text, encoding="utf-8")
    lines = [f"# {comment}"] + yaml.safe_dump(expect, sort_keys=False, width=110).splitlines()
    (folder / "expect.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _expect(fired: list[str], held: list[str], stage: str = "deploy", as_of: str = AS_OF,
            count_info: bool | None = None) -> dict[str, Any]:
    expect: dict[str, Any] = {"stage": stage, "as_of": as_of}
    if count_info is not None:
        expect["count_info"] = count_info
    expect["fires"] = sorted(fired)
    expect["not_fires"] = sorted(held)
    return expect


# --------------------------------------------------------------------------------------- driver

# (control, bundle, changes, boundary date, description): the day before the date the control is info
# (count_info: false, so not counted), on the date it fires.
DATE_CASES = [
    ("eu-ai-act", "EUAIA-ART5-1A-MANIPULATION", "credit",
     [("model_card.risk.art5_screening.manipulation", True)], "2025-02-02", "Art. 5 prohibitions"),
    ("eu-ai-act", "EUAIA-ART53-1C-COPYRIGHT-POLICY", "gpai",
     [("model_card.gpai.copyright_policy_ref", DELETE)], "2025-08-02", "GPAI obligations"),
    ("eu-ai-act", "EUAIA-ART11-TECHNICAL-DOCUMENTATION", "credit",
     [("model_card.technical_documentation.ref", DELETE)], "2026-08-02", "Annex III high-risk"),
    ("eu-ai-act", "EUAIA-ART6-1-ANNEX-I-SAFETY-COMPONENT", "readmission",
     MANUAL["EUAIA-ART6-1-ANNEX-I-SAFETY-COMPONENT"][1], "2027-08-02", "Annex I products"),
    ("dpdp", "DPDP-S6-9-R4-CONSENT-MANAGER-REGISTERED", "lending",
     [("data_manifest.consent.consent_manager_registration_id", DELETE)], "2026-11-13", "DPDP Rules phase 2"),
    ("dpdp", "DPDP-S9-1-R10-VERIFIABLE-PARENTAL-CONSENT", "lending",
     [("data_manifest.consent.parental_consent_verified", False)], "2027-05-13", "DPDP Rules phase 3"),
]


def _shift(day: str, delta: int) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(day) + dt.timedelta(days=delta)).isoformat()


def generate(out_root: Path, verbose: bool = False) -> list[str]:
    laws = load_laws()
    searcher = Searcher(laws)
    problems = []
    today = searcher.today
    for law_id, law in laws.items():
        tests = out_root / law_id / "tests"
        for sub in GENERATED:
            shutil.rmtree(tests / sub, ignore_errors=True)
        all_ids = [c.id for c in law.controls]
        # Base cases: every bundle, with and without its workload, is compliant with every control.
        for bundle in BUNDLES_FOR[law_id]:
            for with_workload in (False, True):
                if with_workload and BUNDLES[bundle].get("workload") is None:
                    continue
                docs = bundle_docs(bundle, with_workload)
                now = firing(law, docs, today)
                if now:
                    problems.append(f"{law_id}: base bundle {bundle} (workload={with_workload}) fires {sorted(now)}")
                name = f"{bundle}-deploy" if with_workload else bundle
                write_case(tests / "base" / name, docs, _expect([], [i for i in all_ids if i not in now]),
                           f"Compliant base '{bundle}': no {law_id} control fires.")
        # One case per control: the least mutation that makes it fire.
        for control in law.controls:
            found = searcher.search(law, control)
            if found is None:
                problems.append(f"{law_id}: no mutation found for {control.id}")
                continue
            bundle, with_workload, mutation, now = found
            docs = mutation.apply(bundle_docs(bundle, with_workload))
            why = MANUAL[control.id][2] if control.id in MANUAL else ""
            comment = f"{control.id} fires: {mutation.describe()}" + (f" ({why})" if why else "")
            held = [i for i in all_ids if i not in now]
            write_case(tests / "controls" / control.id, docs, _expect([control.id], held), comment)
            if verbose:
                print(f"{control.id}: {bundle}{'+workload' if with_workload else ''}: {mutation.describe()}"
                      f"{'  also ' + ', '.join(sorted(now - {control.id})) if len(now) > 1 else ''}")
        # Date boundaries: the day before, the obligation is an info finding; on the day, a real one.
        for case_law, control_id, bundle, changes, day, label in DATE_CASES:
            if case_law != law_id:
                continue
            docs = Mutation(list(changes)).apply(bundle_docs(bundle, False))
            before, on = _shift(day, -1), day
            write_case(tests / "dates" / f"{control_id}-before-{day}", docs,
                       _expect([], [control_id], as_of=before, count_info=False),
                       f"{label} apply from {day}: on {before} {control_id} is only an info finding.")
            write_case(tests / "dates" / f"{control_id}-info-{before}", docs, _expect([control_id], [], as_of=before),
                       f"{label}: on {before} {control_id} is still reported (as info).")
            write_case(tests / "dates" / f"{control_id}-on-{day}", docs,
                       _expect([control_id], [], as_of=on, count_info=False),
                       f"{label} apply from {day}: on that day {control_id} is a finding.")
    # Stages: release-stage controls do not hold at commit; deploy-only controls need the deploy stage.
    stage_cases = [
        ("eu-ai-act", "EUAIA-ART10-2F-BIAS-EXAMINATION", "credit", False,
         [("data_manifest.quality.bias_examination_ref", DELETE)], "release"),
        ("gdpr", "GDPR-ART30-ROPA", "credit", False, [("data_manifest.records.ropa_ref", DELETE)], "release"),
        ("hipaa", "HIPAA-164.312E-TRANSMISSION-SECURITY", "readmission", True,
         [("workload.security.tls_min_version", "1.0")], "deploy"),
        ("dpdp", "DPDP-R7-2-BOARD-72H-REPORT", "lending", False,
         [("data_manifest.breach.detailed_report_hours", 96)], "release"),
    ]
    for law_id, control_id, bundle, with_workload, changes, stage in stage_cases:
        docs = Mutation(list(changes)).apply(bundle_docs(bundle, with_workload))
        tests = out_root / law_id / "tests" / "stages"
        earlier = "commit" if stage == "release" else "release"
        write_case(tests / f"{control_id}-at-{earlier}", docs, _expect([], [control_id], stage=earlier),
                   f"{control_id} is a {stage}-stage control: it does not fire at {earlier}.")
        write_case(tests / f"{control_id}-at-{stage}", docs, _expect([control_id], [], stage=stage),
                   f"{control_id} is a {stage}-stage control: it fires at {stage}.")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed cases are out of date")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the mutation chosen per control")
    args = parser.parse_args(argv)
    if args.check:
        import filecmp
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp))
            stale = []
            for law_id in RULESETS:
                for sub in GENERATED:
                    a, b = Path(tmp) / law_id / "tests" / sub, ROOT / "rulesets" / law_id / "tests" / sub
                    if a.exists() != b.exists() or (a.exists() and _differs(filecmp.dircmp(a, b))):
                        stale.append(f"{law_id}/tests/{sub}")
            if stale:
                print("out of date: " + ", ".join(stale) + " (run python tools/make_rule_cases.py)")
                return 1
            print("rule cases up to date")
            return 0
    problems = generate(ROOT / "rulesets", verbose=args.verbose)
    for problem in problems:
        print("warning: " + problem, file=sys.stderr)
    return 1 if problems else 0


def _differs(cmp: Any) -> bool:
    if cmp.left_only or cmp.right_only or cmp.diff_files or cmp.funny_files:
        return True
    return any(_differs(sub) for sub in cmp.subdirs.values())


if __name__ == "__main__":
    sys.exit(main())
