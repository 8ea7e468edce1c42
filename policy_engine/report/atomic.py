"""Reports are written atomically; the implementation is shared with every other writer."""

from policy_engine.fileio import write_atomic

__all__ = ["write_atomic"]
