from pathlib import Path

import pytest

CARD = """\
apiVersion: complyai/v1
kind: ModelCard
metadata:
  name: credit-risk
  version: "1.0"
spec:
  kind: ai_system
  market:
    eu_market: true
  risk:
    tier: high
    annex_iii_categories: [5-essential-services]
  intended_use:
    purpose: Credit scoring of consumers
    domains: [credit_scoring]
  datasets:
    - manifest_ref: train.yaml
      split: training
"""

MANIFEST = """\
apiVersion: complyai/v1
kind: DataManifest
metadata:
  name: train
  version: "1"
spec:
  contains_personal_data: true
  subjects_in_eu: true
  transfers:
    - destination_country: US
      mechanism: none
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A small repository with a high-risk card linked to a training manifest."""
    (tmp_path / "card.yaml").write_text(CARD)
    (tmp_path / "train.yaml").write_text(MANIFEST)
    monkeypatch.chdir(tmp_path)
    return tmp_path

