"""``--format json``: exactly ``Verdict.to_dict()``, the contract every other format is a view of."""

from __future__ import annotations

import json

from policy_engine.findings import Verdict
from policy_engine.report.base import RenderOptions


class JsonFormat:
    suffix = ".json"

    def render(self, verdict: Verdict, options: RenderOptions) -> str:
        # Key order is the contract's order; non-ASCII stays readable (the file is UTF-8).
        return json.dumps(verdict.to_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
