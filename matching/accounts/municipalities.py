"""The reference list of Flemish municipalities (NIS codes after the 2025 mergers) that
work areas are delimited with; the data and its source: ``matching/accounts/data/``."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).with_name("data") / "municipalities.csv"

#: The five Flemish provinces, in the order people list them.
PROVINCES = ("Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen")


class ReferenceMunicipality(NamedTuple):
    nis_code: str
    name: str
    province: str


@cache
def municipalities() -> tuple[ReferenceMunicipality, ...]:
    """Every municipality, by name."""
    with DATA.open(encoding="utf-8", newline="") as f:
        rows = [ReferenceMunicipality(r["nis_code"], r["name"], r["province"])
                for r in csv.DictReader(f)]
    return tuple(sorted(rows, key=lambda m: m.name))


@cache
def by_code() -> dict[str, ReferenceMunicipality]:
    return {m.nis_code: m for m in municipalities()}


@cache
def by_name() -> dict[str, ReferenceMunicipality]:
    return {m.name.casefold(): m for m in municipalities()}


def by_province() -> dict[str, list[ReferenceMunicipality]]:
    grouped: dict[str, list[ReferenceMunicipality]] = {p: [] for p in PROVINCES}
    for m in municipalities():
        grouped[m.province].append(m)
    return grouped
