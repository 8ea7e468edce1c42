import pytest

from policy_engine.scan.checksums import aadhaar_ok, iban_ok, luhn_ok, nhs_ok, verhoeff_digit, verhoeff_ok


@pytest.mark.parametrize("func, value, ok", [
    (luhn_ok, "4111 1111 1111 1111", True),
    (luhn_ok, "4111 1111 1111 1112", False),
    (luhn_ok, "3782-822463-10005", True),
    (luhn_ok, "1234", False),
    (iban_ok, "GB82 WEST 1234 5698 7654 32", True),
    (iban_ok, "GB82 WEST 1234 5698 7654 33", False),
    (iban_ok, "DE89370400440532013000", True),
    (iban_ok, "DE89 3704 0044 0532 0130 01", False),
    (nhs_ok, "943 476 5919", True),
    (nhs_ok, "943 476 5918", False),
    (nhs_ok, "401 023 2137", True),
    (aadhaar_ok, "2345 6789 0124", True),
    (aadhaar_ok, "2345 6789 0125", False),
    (aadhaar_ok, "1345 6789 0124", False),  # Aadhaar never starts with 0 or 1
    (verhoeff_ok, "2363", True),
    (verhoeff_ok, "2364", False),
])
def test_check_digits(func, value, ok):
    assert func(value) is ok


def test_verhoeff_digit_round_trip():
    for body in ("23456789012", "98765432101", "55555555555"):
        assert verhoeff_ok(body + verhoeff_digit(body))
