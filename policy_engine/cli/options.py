"""Option types shared by several commands."""

from __future__ import annotations

import datetime as dt

import click


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201 - click's signature
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2026-08-02", param, ctx)


DATE = DateType()
