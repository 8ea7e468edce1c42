"""Packaging detail pyproject.toml cannot express: ship rulesets/ and model_cards/ inside the wheel.

In a source checkout (or an editable install) complyai reads the top-level folders directly; an
installed wheel reads the copies under policy_engine/_bundled/ (see policy_engine/resources.py).
"""

from setuptools import find_packages, setup

BUNDLED = {"policy_engine._bundled.rulesets": "rulesets", "policy_engine._bundled.model_cards": "model_cards"}

setup(
    packages=find_packages(include=["policy_engine", "policy_engine.*"]) + list(BUNDLED),
    package_dir=BUNDLED,
    package_data={"policy_engine": ["data/**/*", "py.typed"], **{name: ["**/*"] for name in BUNDLED}},
    include_package_data=False,
)
