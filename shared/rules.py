"""Loading rules kept as data: every rule file names its source and the dates it is in force."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

T = TypeVar("T", bound=BaseModel)
# libyaml's parser when the wheel has it (the same safe subset, several times faster: services and
# tests load every rule file at start-up)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RuleFileError(ValueError):
    """A rule file that cannot be loaded; the message names the file and every problem."""


class Effective(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date = Field(alias="from")
    end: date | None = Field(None, alias="to", description="Inclusive; open-ended when absent.")

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"effective 'to' {self.end} is before 'from' {self.start}")
        return self

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class Sourced(BaseModel):
    """Base for a rule row: where it comes from and when it applies."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    source: str = Field(min_length=3)
    effective: Effective


def load_rule_file(path: Path, model: type[T]) -> T:
    try:
        return model.model_validate(yaml.load(path.read_text(), Loader=SAFE_LOADER))
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise RuleFileError(f"{path}: {problems}") from error
    except (OSError, yaml.YAMLError) as error:
        raise RuleFileError(f"{path}: {error}") from error


def in_force(rows: list[Any], day: date) -> list[Any]:
    return [row for row in rows if row.effective.covers(day)]
