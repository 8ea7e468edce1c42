"""Write the bundled rulesets (rulesets/<law>/controls.cedar) from the control catalog.

The catalog (regulations/controls.yaml) states each control once, in the expression language;
this tool translates every control into one annotated Cedar ``forbid`` policy. The Cedar files it
writes are the rulesets complyai ships and evaluates; review the diff before committing.

    python tools/import_catalog.py ../shared/regulations/controls.yaml
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policy_engine.rules import expr  # noqa: E402
from policy_engine.rules.cedar_emit import Emitter, cedar_string, kind_condition, stage_scope  # noqa: E402

# Milestones that the law (or an announced amendment) may move: named, so that a move is a one-line
# change in ruleset.yaml. (law, catalog effective date, marker in effective_pending) -> name
MILESTONES = {
    ("eu-ai-act", "2025-02-02", ""): "prohibitions_and_literacy",
    ("eu-ai-act", "2025-08-02", ""): "gpai_and_governance",
    ("eu-ai-act", "2026-08-02", ""): "general_application",
    ("eu-ai-act", "2026-08-02", "2027-12-02"): "annex_iii_high_risk",
    ("eu-ai-act", "2026-08-02", "2026-12-02"): "art50_2_marking",
    ("eu-ai-act", "2027-08-02", "2028-08-02"): "annex_i_high_risk",
    ("eu-ai-act", "2027-08-02", ""): "annex_i_high_risk",
    ("eu-ai-act", "2026-12-02", ""): "omnibus_prohibitions",
    ("dpdp", "2025-11-13", ""): "dpdp_rules_phase_1",
    ("dpdp", "2026-11-13", ""): "dpdp_rules_phase_2",
    ("dpdp", "2027-05-13", ""): "dpdp_rules_phase_3",
    ("gdpr", "2018-05-25", ""): "gdpr_application",
    ("hipaa", "2003-04-14", ""): "privacy_rule",
    ("hipaa", "2005-04-20", ""): "security_rule",
    ("hipaa", "2009-09-23", ""): "breach_notification_rule",
    ("hipaa", "2013-09-23", ""): "omnibus_rule",
}

RULESETS = {
    "eu-ai-act": {
        "title": "EU Artificial Intelligence Act",
        "law": "Regulation (EU) 2024/1689 (Artificial Intelligence Act)",
        "reference": "https://eur-lex.europa.eu/eli/reg/2024/1689/oj",
        "dates": {
            "prohibitions_and_literacy": {"date": "2025-02-02", "source": "Art. 113(a): Chapters I and II"},
            "gpai_and_governance": {"date": "2025-08-02", "source": "Art. 113(b): Chapter V, governance, penalties"},
            "general_application": {"date": "2026-08-02", "source": "Art. 113: general date of application"},
            "annex_iii_high_risk": {
                "date": "2026-08-02", "source": "Art. 113: Annex III high-risk systems",
                "pending": "2027-12-02",
                "pending_source": "Digital Omnibus on AI (COM(2025) 836); reported adopted, not verified in the OJ",
            },
            "art50_2_marking": {
                "date": "2026-08-02", "source": "Art. 113: Art. 50 transparency",
                "pending": "2026-12-02",
                "pending_source": "Digital Omnibus: grace period for systems already on the market (unverified)",
            },
            "annex_i_high_risk": {
                "date": "2027-08-02", "source": "Art. 113(c): Art. 6(1) and Annex I products",
                "pending": "2028-08-02",
                "pending_source": "Digital Omnibus on AI (COM(2025) 836); reported adopted, not verified in the OJ",
            },
            "gpai_legacy_models": {"date": "2027-08-02", "source": "Art. 111(3): GPAI models placed before 2025-08-02"},
            "omnibus_prohibitions": {
                "date": "2026-12-02", "source": "Digital Omnibus: new Art. 5 prohibition (status pending)",
                "pending": "2026-12-02", "pending_source": "not verified against the OJ",
            },
        },
    },
    "gdpr": {
        "title": "General Data Protection Regulation",
        "law": "Regulation (EU) 2016/679 (GDPR)",
        "reference": "https://eur-lex.europa.eu/eli/reg/2016/679/oj",
        "dates": {"gdpr_application": {"date": "2018-05-25", "source": "Art. 99(2)"}},
    },
    "hipaa": {
        "title": "HIPAA Privacy, Security and Breach Notification Rules",
        "law": "Health Insurance Portability and Accountability Act of 1996; 45 CFR Parts 160 and 164",
        "reference": "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C",
        "dates": {
            "privacy_rule": {"date": "2003-04-14", "source": "45 CFR 164.534"},
            "security_rule": {"date": "2005-04-20", "source": "45 CFR 164.318"},
            "breach_notification_rule": {"date": "2009-09-23", "source": "74 FR 42740"},
            "omnibus_rule": {"date": "2013-09-23", "source": "78 FR 5566"},
        },
    },
    "dpdp": {
        "title": "India Digital Personal Data Protection Act and Rules",
        "law": "Digital Personal Data Protection Act, 2023 (No. 22 of 2023); DPDP Rules, 2025",
        "reference": "https://www.meity.gov.in/data-protection-framework",
        "dates": {
            "dpdp_rules_phase_1": {"date": "2025-11-13", "source": "DPDP Rules 2025, r. 1(2): Board, definitions"},
            "dpdp_rules_phase_2": {"date": "2026-11-13", "source": "DPDP Rules 2025, r. 1(3): consent managers"},
            "dpdp_rules_phase_3": {"date": "2027-05-13", "source": "DPDP Rules 2025, r. 1(4): fiduciary obligations"},
        },
    },
}


def milestone(law: str, control: dict) -> str:
    effective = str(control["effective"])
    pending = str(control.get("effective_pending", ""))
    for (key_law, date, marker), name in MILESTONES.items():
        if key_law == law and date == effective and marker and marker in pending:
            return name
    return MILESTONES.get((law, effective, ""), effective)


def inline_dates(law: str, control: dict) -> dict[str, str]:
    """Literal dates inside applies_when that are milestones of the law."""
    text = control["applies_when"]
    if law != "eu-ai-act":
        return {}
    if "annex_i_third_party_assessment" in text:
        return {"2027-08-02": "annex_i_high_risk"}
    if "placed_on_market_date" in text:
        return {"2027-08-02": "gpai_legacy_models"}
    return {}


def pointer(control: dict) -> str:
    kind = control["applies_to"][0]
    for field in control.get("evidence_fields", []):
        if field.startswith(kind + "."):
            return "/spec/" + field[len(kind) + 1:].replace("[]", "").replace(".", "/")
    # The control reads only linked artifacts: point at the link.
    if kind == "model_card":
        reads = " ".join(control.get("evidence_fields", []))
        return "/spec/sbom_ref" if "sbom." in reads and "data_manifest." not in reads else "/spec/datasets"
    return "/spec"


def policy(law: str, control: dict, vocab: dict) -> str:
    cid = control["id"]
    emitter = Emitter(cid, vocab["fields"], named_dates=inline_dates(law, control))
    scope = expr.parse(control["applies_when"], vocab["constants"], vocab["macros"])
    check = expr.parse(control["check"], vocab["constants"], vocab["macros"])
    when = emitter.boolean(scope)
    unless = emitter.boolean(check)
    notes = {
        "id": cid,
        "severity": control["severity"],
        "title": control["title"],
        "citation": control["citation"],
        "requirement": " ".join(control["requirement"].split()),
        "remediation": " ".join(control["remediation"].split()),
        "pointer": pointer(control),
        "effective": milestone(law, control),
        "applies_to": ", ".join(control["applies_to"]),
        "fields": ", ".join(control.get("evidence_fields", [])),
        "applies_when": control["applies_when"],
        "check": control["check"],
    }
    if control.get("effective_pending"):
        notes["effective_pending"] = " ".join(str(control["effective_pending"]).split())
    if control.get("scan_evidence"):
        notes["scan_evidence"] = "true"
    if control.get("status"):
        notes["status"] = control["status"]
    for index, (name, text) in enumerate(emitter.derived.items(), start=1):
        assert name.endswith(f"#{index}")
        notes[f"derive_{index}"] = text
    lines = [f"@{key}({cedar_string(str(value))})" for key, value in notes.items()]
    lines.append(f"forbid (principal, {stage_scope(control['stage'])}, resource)")
    lines.append(f"when {{ {kind_condition(control['applies_to'])} && {when} }}")
    lines.append(f"unless {{ {unless} }};")
    return "\n".join(lines)


def main() -> None:
    catalog_path = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared/regulations/controls.yaml")
    catalog = yaml.safe_load(catalog_path.read_text(encoding="utf-8"))
    vocab = yaml.safe_load((ROOT / "model_cards/vocabulary.yaml").read_text(encoding="utf-8"))
    by_law: dict[str, list[dict]] = defaultdict(list)
    for control in catalog:
        by_law[control["law"]].append(control)
    own = yaml.safe_load((ROOT / "tools" / "complyai_controls.yaml").read_text(encoding="utf-8")) or []
    own_by_law: dict[str, list[dict]] = defaultdict(list)
    for control in own:
        own_by_law[control["law"]].append(control)
    for law, controls in own_by_law.items():
        header = ("// complyai's own controls for this law: declared facts against scan evidence.\n"
                  "// Generated from tools/complyai_controls.yaml by tools/import_catalog.py.\n\n"
                  "permit (principal, action, resource);\n")
        body = "\n\n".join(policy(law, control, vocab) for control in controls)
        (ROOT / "rulesets" / law / "scan.cedar").write_text(header + "\n" + body + "\n", encoding="utf-8")
        print(f"{law}: {len(controls)} own controls -> rulesets/{law}/scan.cedar")
    for law, controls in by_law.items():
        folder = ROOT / "rulesets" / law
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"id": law, **RULESETS[law], "version": "2026.11.0"}
        existing = folder / "ruleset.yaml"
        if existing.exists():  # keep hand-edited metadata (version bumps, dates) on re-import
            meta = {**meta, **yaml.safe_load(existing.read_text(encoding="utf-8"))}
        existing.write_text(yaml.safe_dump(meta, sort_keys=False, width=110, allow_unicode=True), encoding="utf-8")
        header = (f"// {meta['title']} — {meta['law']}\n"
                  "// One forbid per control; the permit makes every matching forbid a reason.\n"
                  "// Generated from the control catalog by tools/import_catalog.py; edit the catalog or\n"
                  "// review hand edits carefully, since a re-import rewrites this file.\n\n"
                  "permit (principal, action, resource);\n")
        body = "\n\n".join(policy(law, control, vocab) for control in controls)
        (folder / "controls.cedar").write_text(header + "\n" + body + "\n", encoding="utf-8")
        print(f"{law}: {len(controls)} controls -> {folder / 'controls.cedar'}")


if __name__ == "__main__":
    main()
