"""complyai: compliance-as-code for machine-learning systems."""

# A literal (read by pyproject.toml): importlib.metadata would cost ~30 ms on every cold start.
__version__ = "0.1.0"
