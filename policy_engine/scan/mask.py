"""Masking: evidence shows the shape of what was found, never the value."""

from __future__ import annotations


def mask(value: str, entity_type: str = "") -> str:
    """``asha.12@example.org`` -> ``a***@e***.org``; other values keep their first character and separators.

    ``4111 1111 1111 1111`` -> ``4*** **** **** ****``; ``Jane Doe`` -> ``J*** ***``.
    """
    value = value.strip()
    if not value:
        return ""
    if entity_type == "EMAIL_ADDRESS" or ("@" in value and "." in value.rpartition("@")[2]):
        local, _, domain = value.rpartition("@")
        host, _, tld = domain.rpartition(".")
        return f"{local[:1]}***@{host[:1]}***.{tld}" if host else f"{local[:1]}***@***"
    out = [value[0]]
    for ch in value[1:]:
        out.append("*" if ch.isalnum() else ch)
    return "".join(out)
