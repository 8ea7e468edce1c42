"""complyai: compliance-as-code for machine-learning systems."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("complyai")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
