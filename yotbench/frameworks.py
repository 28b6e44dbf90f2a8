"""Inspection frameworks as data: schemas/frameworks/<id>.yaml.

A framework lists its domains, standards, key questions and prompts, which case
types each standard applies to, which questions may be answered `na`, and its
rating rules. Adding a framework means adding a file; `load_framework` checks the
file and names the file and the place of anything wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from yotbench.config import FRAMEWORKS_DIR
from yotbench.errors import FrameworkError
from yotbench.records import code_sets

_ID = r"^[0-9a-z][0-9a-z_.-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Prompt(_Strict):
    id: str = Field(pattern=_ID)
    text: str = Field(min_length=1)
    na_allowed: bool = True


class KeyQuestion(_Strict):
    id: str = Field(pattern=_ID)
    text: str = Field(min_length=1)
    area: str | None = None
    headline: str | None = None
    na_allowed: bool = True
    relevant_when: dict[str, list[str]] | None = None
    prompts: list[Prompt] = []


class Standard(_Strict):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    rated_by: Literal["judgement", "key_questions", "none"] = "key_questions"
    considerations: list[str] = []
    key_questions: list[KeyQuestion] = []

    @model_validator(mode="after")
    def _questions_match_rating(self) -> Standard:
        if self.rated_by == "judgement" and self.key_questions:
            raise ValueError(f"standard {self.id} is rated by judgement but lists key questions")
        if self.rated_by != "judgement" and not self.key_questions:
            raise ValueError(f"standard {self.id} has no key questions")
        return self


class Domain(_Strict):
    id: str = Field(pattern=_ID)
    name: str
    case_types: list[str] = []
    standards: list[Standard] = Field(min_length=1)


class Area(_Strict):
    id: str = Field(pattern=_ID)
    name: str


class QuestionBand(_Strict):
    rating: str
    label: str = ""
    min_pct: float = Field(ge=0, le=100)
    score: int = Field(ge=0)


class OverallBand(_Strict):
    rating: str
    min_score: int = Field(ge=0)
    max_score: int = Field(ge=0)


class Discretion(_Strict):
    window_pp: float = Field(ge=0)
    one_case_changes_rating: bool = True
    max_cases: int = Field(ge=0)


class Rating(_Strict):
    standard_rule: Literal["lowest_key_question"]
    question_bands: list[QuestionBand] = Field(min_length=2)
    overall_bands: list[OverallBand] = Field(min_length=1)
    discretion: Discretion | None = None

    @model_validator(mode="after")
    def _bands_are_ordered(self) -> Rating:
        edges = [band.min_pct for band in self.question_bands]
        if edges[0] != 0 or edges != sorted(set(edges)):
            raise ValueError("question_bands must start at min_pct 0 and rise strictly")
        scores = [band.score for band in self.question_bands]
        if scores != sorted(set(scores)):
            raise ValueError("question_bands scores must rise strictly with min_pct")
        expected = 0
        for band in self.overall_bands:
            if band.min_score != expected or band.max_score < band.min_score:
                raise ValueError(
                    f"overall_bands must run on without gaps from 0: band {band.rating} "
                    f"starts at {band.min_score}, expected {expected}"
                )
            expected = band.max_score + 1
        return self


class CommentBand(_Strict):
    min_pct: float = Field(ge=0, le=100)
    comment: str


class Headline(_Strict):
    id: str = Field(pattern=_ID)
    name: str
    description: str = ""


class InUse(_Strict):
    from_: date = Field(alias="from")
    to: date | None = None


class Framework(_Strict):
    id: str = Field(pattern=_ID)
    name: str
    source: str = ""
    in_use: InUse | None = None
    areas: list[Area] = []
    domains: list[Domain] = Field(min_length=1)
    rating: Rating | None = None
    headlines: list[Headline] = []
    comment_bands: list[CommentBand] = []

    @model_validator(mode="after")
    def _references_resolve(self) -> Framework:
        codes = code_sets()
        seen: set[str] = set()
        areas = {a.id for a in self.areas}
        headlines = {h.id for h in self.headlines}
        ratings = set(codes["rating"])
        case_columns = {"case_type", "disposal", "gender", "ethnicity", "looked_after"}
        code_of = {
            "looked_after": "looked_after",
            "disposal": "disposal",
            "gender": "gender",
            "ethnicity": "ethnicity",
            "case_type": "case_type",
        }

        def unique(item_id: str) -> None:
            if item_id in seen:
                raise ValueError(f"id {item_id!r} is used twice")
            seen.add(item_id)

        for domain in self.domains:
            for case_type in domain.case_types:
                if case_type not in codes["case_type"]:
                    raise ValueError(
                        f"domain {domain.id}: case type {case_type!r} is not one of {', '.join(codes['case_type'])}"
                    )
            for standard in domain.standards:
                unique(standard.id)
                if standard.rated_by != "judgement" and not domain.case_types:
                    raise ValueError(
                        f"standard {standard.id} is answered case by case but its domain names no case_types"
                    )
                for kq in standard.key_questions:
                    unique(kq.id)
                    if not kq.id.startswith(standard.id + "."):
                        raise ValueError(f"key question {kq.id} must start with its standard id {standard.id}.")
                    if kq.area is not None and kq.area not in areas:
                        raise ValueError(f"key question {kq.id}: area {kq.area!r} is not declared in areas")
                    if kq.headline is not None and kq.headline not in headlines:
                        raise ValueError(f"key question {kq.id}: headline {kq.headline!r} is not declared in headlines")
                    for column, values in (kq.relevant_when or {}).items():
                        if column not in case_columns:
                            raise ValueError(
                                f"key question {kq.id}: relevant_when column {column!r} is not a case code column"
                            )
                        bad = set(values) - set(codes[code_of[column]])
                        if bad:
                            raise ValueError(
                                f"key question {kq.id}: relevant_when {column} values {sorted(bad)} are not codes"
                            )
                    for prompt in kq.prompts:
                        unique(prompt.id)
                        if not prompt.id.startswith(kq.id + "."):
                            raise ValueError(f"prompt {prompt.id} must start with its key question id {kq.id}.")
        if self.rating is not None:
            for band in [*self.rating.question_bands, *self.rating.overall_bands]:
                if band.rating not in ratings:
                    raise ValueError(f"rating band {band.rating!r} is not one of {', '.join(sorted(ratings))}")
            scored = sum(1 for s in self.standards if s.rated_by != "none")
            top = max(b.score for b in self.rating.question_bands) * scored
            if self.rating.overall_bands[-1].max_score != top:
                raise ValueError(
                    f"overall_bands end at {self.rating.overall_bands[-1].max_score} but "
                    f"{scored} standards scored up to {top // scored} make {top}"
                )
        if self.headlines and not self.comment_bands:
            raise ValueError("headlines need comment_bands")
        edges = [b.min_pct for b in self.comment_bands]
        if self.comment_bands and sorted(edges, reverse=True) != edges:
            raise ValueError("comment_bands must be listed from the highest min_pct down")
        if self.comment_bands and edges[-1] != 0:
            raise ValueError("the last comment band must start at min_pct 0")
        return self

    # Flattened views used by validation, the marts and the sample generator.

    @property
    def standards(self) -> list[Standard]:
        return [s for d in self.domains for s in d.standards]

    def domain_of(self, standard_id: str) -> Domain:
        return next(d for d in self.domains if any(s.id == standard_id for s in d.standards))

    def questions(self) -> list[QuestionRow]:
        rows: list[QuestionRow] = []
        order = 0
        for domain in self.domains:
            for standard in domain.standards:
                for kq in standard.key_questions:
                    order += 1
                    rows.append(
                        QuestionRow(
                            self.id,
                            domain.id,
                            standard.id,
                            kq.id,
                            None,
                            "key_question",
                            kq.text,
                            kq.area,
                            kq.headline,
                            kq.na_allowed,
                            tuple(domain.case_types),
                            order,
                        )
                    )
                    for prompt in kq.prompts:
                        order += 1
                        rows.append(
                            QuestionRow(
                                self.id,
                                domain.id,
                                standard.id,
                                prompt.id,
                                kq.id,
                                "prompt",
                                prompt.text,
                                kq.area,
                                kq.headline,
                                prompt.na_allowed or kq.na_allowed,
                                tuple(domain.case_types),
                                order,
                            )
                        )
        return rows

    def key_question(self, question_id: str) -> KeyQuestion:
        for standard in self.standards:
            for kq in standard.key_questions:
                if kq.id == question_id:
                    return kq
        raise KeyError(question_id)


@dataclass(frozen=True)
class QuestionRow:
    framework: str
    domain_id: str
    standard_id: str
    question_id: str
    parent_id: str | None
    level: Literal["key_question", "prompt"]
    text: str
    area: str | None
    headline: str | None
    na_allowed: bool
    case_types: tuple[str, ...]
    order: int


def _location(loc: tuple, data: dict) -> str:
    """Turn a pydantic error location into a readable path with ids where known."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            label = node.get("id") if isinstance(node, dict) else None
            parts[-1] = f"{parts[-1]}[{key}]" + (f" (id {label})" if label else "")
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def load_framework(path: Path) -> Framework:
    """Read and check one framework file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FrameworkError(f"{path}: cannot read framework file: {exc}") from None
    if not isinstance(data, dict):
        raise FrameworkError(f"{path}: a framework file holds a mapping with id, name, domains ...")
    try:
        framework = Framework.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"  {_location(err['loc'], data)}: {msg}")
        raise FrameworkError(f"{path}: invalid framework file\n" + "\n".join(lines)) from None
    if framework.id != path.stem:
        raise FrameworkError(f"{path}: id {framework.id!r} must match the file name {path.stem!r}")
    return framework


@cache
def load_frameworks(directory: Path = FRAMEWORKS_DIR) -> dict[str, Framework]:
    """Every framework in the directory, by id."""
    return {p.stem: load_framework(p) for p in sorted(directory.glob("*.yaml"))}
