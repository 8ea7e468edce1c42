"""Discovery keeps artifacts, skips unrelated YAML and ignored files, and reports bad paths."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from policy_engine.discovery import discover
from policy_engine.errors import UsageError

CARD = "apiVersion: complyai/v1\nkind: ModelCard\nmetadata:\n  name: x\nspec: {}\n"
FILES = {
    "models/card.yaml": CARD,
    "models/broken.yaml": "apiVersion: complyai/v1\nkind: ModelCard\nmetadata: {name: x\nspec:\n  risk: [\n",
    "models/README.md": "---\nlicense: mit\npipeline_tag: text-generation\n---\n# model\n",
    "sbom/bom.cdx.json": '{"bomFormat": "CycloneDX", "specVersion": "1.6"}',
    "charts/app/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.name }}\n",
    ".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
    "k8s/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
    "docs/README.md": "# Just docs\n",
    "node_modules/pkg/card.yaml": CARD,
    ".venv/lib/card.yaml": CARD,
    "build/card.yaml": CARD,
    "data/notes.txt": "apiVersion: complyai/v1\n",
}
KEPT = ["models/README.md", "models/broken.yaml", "models/card.yaml", "sbom/bom.cdx.json"]


def make_tree(root: Path) -> Path:
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def names(found: list[Path], root: Path) -> list[str]:
    return [p.resolve().relative_to(root.resolve()).as_posix() for p in found]


def test_walk_keeps_artifacts_and_skips_unrelated_yaml(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    assert names(discover([root], excludes=["build"], root=root), root) == KEPT


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_gitignored_files_are_skipped(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("build/\nsbom/\n")
    assert names(discover([root], root=root), root) == ["models/README.md", "models/broken.yaml", "models/card.yaml"]
    assert names(discover([root / "build"], root=root), root) == ["build/card.yaml"]  # named: audited anyway


def test_excludes_and_includes_are_globs_relative_to_root(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    assert names(discover([root], excludes=["build/**", "models/*.yaml"], root=root), root) == [
        "models/README.md", "sbom/bom.cdx.json"]
    assert names(discover([root], excludes=["build"], includes=["*.json"], root=root), root) == ["sbom/bom.cdx.json"]


def test_explicit_files_are_always_returned(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    wanted = [root / "k8s/service.yaml", root / "data/notes.txt", root / "k8s/service.yaml"]
    assert names(discover(wanted, excludes=["k8s"], root=root), root) == ["data/notes.txt", "k8s/service.yaml"]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="path not found: .*nope"):
        discover([tmp_path / "nope"])


def test_five_hundred_files_are_discovered_quickly(tmp_path: Path) -> None:
    for i in range(250):
        (tmp_path / f"card{i}.yaml").write_text(CARD)
        (tmp_path / f"other{i}.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")
    discover([tmp_path])  # warm the file cache
    start = time.perf_counter()
    found = discover([tmp_path])
    elapsed = time.perf_counter() - start
    assert len(found) == 250
    assert elapsed < 0.5, f"{elapsed * 1000:.0f} ms"
