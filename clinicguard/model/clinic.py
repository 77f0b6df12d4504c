"""The clinic itself: its name, type of structure, fiscal year, manager and VAT situation."""

from __future__ import annotations

from dataclasses import dataclass

from clinicguard.model.catalogue import Structure


@dataclass(frozen=True)
class Clinic:
    uuid: str
    name: str
    structure: Structure
    fiscal_year_start_month: int
    manager_name: str  # the manager named at setup, shown on the cover of exports (not an actor)
    catalogue_version: str
    vat_recoverable: bool
    created_at: str
