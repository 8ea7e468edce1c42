from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def detector():
    from policy_engine.scan.detect import Detector

    return Detector()
