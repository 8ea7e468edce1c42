import pytest

from policy_engine.scan.sampling import bernoulli, parse_sample, rate_bounds, reservoir, wilson


@pytest.mark.parametrize("value, size, fraction", [
    (None, None, None), ("1000", 1000, None), (500, 500, None), ("0.1", None, 0.1), (0.25, None, 0.25),
    ("10%", None, 0.1), ("1", 1, None),
])
def test_parse_sample(value, size, fraction):
    spec = parse_sample(value)
    assert (spec.size, spec.fraction) == (size, fraction)


@pytest.mark.parametrize("bad", ["abc", "0", "-3", "1.5", 0])
def test_parse_sample_rejects(bad):
    with pytest.raises(ValueError, match="--sample"):
        parse_sample(bad)


def test_reservoir_is_deterministic_uniform_and_ordered():
    a = reservoir(range(100_000), 1000)
    assert a == reservoir(range(100_000), 1000)
    assert a != reservoir(range(100_000), 1000, seed=7)
    assert len(a) == 1000 and a == sorted(a)
    assert 40_000 < sum(a) / len(a) < 60_000  # mean of a uniform sample of 0..99999
    assert reservoir(range(10), 1000) == list(range(10))


def test_bernoulli_is_deterministic():
    a = list(bernoulli(range(10_000), 0.1))
    assert a == list(bernoulli(range(10_000), 0.1))
    assert 850 < len(a) < 1150


@pytest.mark.parametrize("k, n, low, high", [
    (0, 100, 0.0, 0.0370),
    (50, 100, 0.4038, 0.5962),
    (1, 10, 0.0179, 0.4042),
    (100, 100, 0.9630, 1.0),
])
def test_wilson_bounds(k, n, low, high):
    lo, hi = wilson(k, n)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


def test_full_scan_rates_are_exact():
    assert rate_bounds(3, 10, sampled=False) == (0.3, 0.3, 0.3)
    rate, lo, hi = rate_bounds(3, 10, sampled=True)
    assert lo < rate < hi
