"""ICD-10-CM adapter of the coding service: the shared code set."""

from shared.icd10 import is_billable

__all__ = ["is_billable"]
