"""The declaration as a document a compliance officer reads and prints: Markdown or HTML.

Both renderers read one neutral outline (title, sections of label/value rows), so they cannot drift
apart; every value from the declaration is escaped for its output format.
"""

from __future__ import annotations

import html
import re
from typing import Any

Outline = list[tuple[str, list[tuple[str, str]]]]

TITLE = "EU declaration of conformity"


def outline(statement: dict[str, Any], verification: str) -> Outline:
    predicate = statement.get("predicate") or {}
    annex = predicate.get("annexV") or {}
    system = annex.get("1_system") or {}
    provider = annex.get("2_provider") or {}
    issue = annex.get("8_issue") or {}
    body = annex.get("7_notifiedBody")
    verdict = predicate.get("verdict") or {}
    sections: Outline = [
        (
            "1. AI system",
            [
                ("Name", system.get("name", "")),
                ("Version", system.get("version", "")),
                ("Type", system.get("type", "")),
                ("Reference", system.get("reference", "")),
                ("Model card sha256", system.get("modelCardSha256", "")),
                *[("Image", ref) for ref in system.get("images") or []],
            ],
        ),
        (
            "2. Provider",
            [
                ("Name", provider.get("name", "")),
                ("Address", provider.get("address", "")),
                *(
                    [("Authorised representative", provider["authorisedRepresentative"])]
                    if provider.get("authorisedRepresentative")
                    else []
                ),
            ],
        ),
        ("3. Responsibility", [("", annex.get("3_soleResponsibility", ""))]),
        ("4. Conformity", [("", annex.get("4_conformity", ""))]),
    ]
    if annex.get("5_dataProtection"):
        sections.append(("5. Data protection", [("", annex["5_dataProtection"])]))
    standards = annex.get("6_standards") or []
    sections.append(
        (
            "6. Harmonised standards and common specifications",
            [("", s) for s in standards] or [("", "None referenced.")],
        )
    )
    if body:
        sections.append(
            (
                "7. Notified body",
                [
                    ("Identification number", body.get("identificationNumber", "")),
                    ("Procedure", body.get("procedure", "")),
                    ("Certificate", body.get("certificate", "")),
                ],
            )
        )
    sections.append(
        (
            "8. Place, date and signature",
            [
                ("Place", issue.get("place", "")),
                ("Date", issue.get("date", "")),
                ("Signed by", issue.get("signatory", "")),
                ("Signature", verification),
            ],
        )
    )
    summary = verdict.get("summary") or {}
    rulesets = ", ".join(f"{r.get('id')} {r.get('version')}" for r in verdict.get("rulesets") or [])
    evidence = [
        ("Gate decision", f"{verdict.get('decision', '')} at stage {verdict.get('stage', '')}"),
        ("Rulesets", rulesets),
        ("Findings", f"{summary.get('total', 0)} ({summary.get('waived', 0)} waived)"),
        ("complyai version", (predicate.get("tool") or {}).get("version", "")),
        ("Issued at", predicate.get("issuedAt", "")),
    ]
    for finding in verdict.get("findings") or []:
        waived = " [waived: " + str((finding.get("waiver") or {}).get("reason", "")) + "]" if finding.get("waived") else ""
        evidence.append((f"{finding.get('rule')} ({finding.get('severity')})", f"{finding.get('title', '')}{waived}"))
    sections.append(("Evidence: the audit that justified this declaration", evidence))
    covered = [(s.get("name", ""), "sha256:" + (s.get("digest") or {}).get("sha256", "")) for s in statement.get("subject", [])]
    sections.append(("Covered artifacts", covered))
    return [(title, [(label, str(value)) for label, value in rows]) for title, rows in sections]


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+[.)])")


def _md(text: str) -> str:
    """Escape Markdown and inline HTML so a field cannot inject links, markup, headings or table cells."""
    text = text.replace("&", "&amp;").replace("\r", " ").replace("\n", " ")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def render_markdown(statement: dict[str, Any], verification: str) -> str:
    lines = [f"# {TITLE}", ""]
    for title, rows in outline(statement, verification):
        lines += [f"## {title}", ""]  # titles are ours, not the declaration's
        bullets = len(rows) > 1
        for label, value in rows:
            if label:
                lines.append(f"- **{_md(label)}:** {_md(value)}")
            else:
                lines.append(f"- {_md(value)}" if bullets else _md(value))
        lines.append("")
    return "\n".join(lines)


def render_html(statement: dict[str, Any], verification: str) -> str:
    esc = html.escape  # quote=True: values are safe in text and attribute positions
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(TITLE)}</title>",
        "<style>body{font-family:serif;max-width:46em;margin:2em auto}th{text-align:left;padding-right:1em;"
        "vertical-align:top}@media print{body{margin:0}}</style>",
        "</head><body>",
        f"<h1>{esc(TITLE)}</h1>",
    ]
    for title, rows in outline(statement, verification):
        parts.append(f"<h2>{esc(title)}</h2>")
        if all(not label for label, _ in rows):
            parts += [f"<p>{esc(value)}</p>" for _, value in rows]
            continue
        parts.append("<table>")
        parts += [f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in rows]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


RENDERERS = {"markdown": render_markdown, "html": render_html}
