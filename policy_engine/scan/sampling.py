"""Row sampling and rate bounds.

``--sample N`` keeps a uniform reservoir of N rows (Vitter's algorithm R) and ``--sample 0.1`` keeps each row
with probability 0.1 (Bernoulli); both use a fixed seed, so the same file gives the same sample and the
same evidence. Rates found on a sample come with 95 % Wilson score bounds. A full scan counts every row:
its rate is exact, so its lower and upper bounds equal the rate.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

SEED = 20240801
Z95 = 1.959963984540054

T = TypeVar("T")


@dataclass(frozen=True)
class SampleSpec:
    """``size`` rows (reservoir) or ``fraction`` of rows (Bernoulli); neither means a full scan."""

    size: int | None = None
    fraction: float | None = None
    seed: int = SEED

    @property
    def full(self) -> bool:
        return self.size is None and self.fraction is None

    def describe(self) -> dict[str, object]:
        if self.size is not None:
            return {"mode": "reservoir", "size": self.size, "seed": self.seed}
        if self.fraction is not None:
            return {"mode": "bernoulli", "fraction": self.fraction, "seed": self.seed}
        return {"mode": "full"}


def parse_sample(value: int | float | str | None) -> SampleSpec:
    """``None`` -> full scan; an integer >= 1 -> that many rows; a number in (0, 1) -> that fraction.

    Raises ValueError with the accepted forms for anything else.
    """
    if value is None:
        return SampleSpec()
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text) if text.isdigit() else float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
        except ValueError:
            raise ValueError(f"--sample {text!r}: expected a row count (1000) or a fraction (0.1 or 10%)") from None
    if isinstance(value, bool):
        raise ValueError("--sample: expected a row count or a fraction")
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and value >= 1):
        if int(value) < 1:
            raise ValueError(f"--sample {value}: a row count must be at least 1")
        return SampleSpec(size=int(value))
    if 0 < value < 1:
        return SampleSpec(fraction=float(value))
    if value == 1:
        return SampleSpec()
    raise ValueError(f"--sample {value}: expected a row count >= 1 or a fraction between 0 and 1")


def reservoir(items: Iterable[T], size: int, seed: int = SEED) -> list[T]:
    """A uniform sample of ``size`` items in one pass (algorithm R), in input order."""
    rng = random.Random(seed)
    kept: list[tuple[int, T]] = []
    for i, item in enumerate(items):
        if i < size:
            kept.append((i, item))
        else:
            j = rng.randrange(i + 1)
            if j < size:
                kept[j] = (i, item)
    kept.sort(key=lambda pair: pair[0])
    return [item for _, item in kept]


def bernoulli(items: Iterable[T], fraction: float, seed: int = SEED) -> Iterator[T]:
    rng = random.Random(seed)
    for item in items:
        if rng.random() < fraction:
            yield item


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """95 % Wilson score interval for a binomial proportion; (0, 1) when n == 0."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_bounds(successes: int, n: int, sampled: bool) -> tuple[float, float, float]:
    """(rate, lower, upper): Wilson bounds on a sample, the exact rate three times on a full scan."""
    if n <= 0:
        return 0.0, 0.0, 0.0
    rate = successes / n
    if not sampled:
        return rate, rate, rate
    low, high = wilson(successes, n)
    return rate, low, high
