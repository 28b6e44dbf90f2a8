"""Parse the key-question and prompt tables of seed 003 (Stockton-on-Tees, 2021).

The tests compare schemas/frameworks/yos-2018.yaml and the Stockton rebuild against
what the published report actually prints, so this parser reads the report text
itself rather than a hand-copied list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SEED = Path(__file__).parent / "fixtures" / "seeds" / "seed003_stockton_2021.txt"

_STANDARD = re.compile(r"^([23])\.(\d)\. (.+)$")
_ROW = re.compile(r"^\|\s*(.+?)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*$")
_FOOTNOTE_MARK = re.compile(r"\s*[¹²³⁴⁵⁶⁷⁸⁹⁰]+\s*")
_SAMPLE = re.compile(r"Of the (\d+) cases? ")


def clean(text: str) -> str:
    """Drop footnote markers and collapse whitespace."""
    return re.sub(r"\s+", " ", _FOOTNOTE_MARK.sub(" ", text)).strip()


@dataclass
class PublishedQuestion:
    text: str
    relevant: int
    yes: int


@dataclass
class PublishedKeyQuestion(PublishedQuestion):
    prompts: list[PublishedQuestion] = field(default_factory=list)


@dataclass
class PublishedStandard:
    id: str
    name: str
    sample: int
    key_questions: list[PublishedKeyQuestion] = field(default_factory=list)


def parse(path: Path = SEED) -> dict[str, PublishedStandard]:
    """Return the case standards of domains 2 and 3 with their published tables."""
    standards: dict[str, PublishedStandard] = {}
    current: PublishedStandard | None = None
    mode = "none"  # none -> key (key-question table) -> prompt (under a heading)
    kq_index = -1
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("Annexe 1"):
            break
        m = _STANDARD.match(line)
        if m:
            current = PublishedStandard(f"{m[1]}.{m[2]}", clean(m[3]), sample=0)
            standards[current.id] = current
            mode, kq_index = "none", -1
            continue
        if current is None:
            continue
        if line.startswith("Our rating"):
            mode = "key"
            continue
        if mode == "none":
            continue
        if line.startswith("|"):
            sample = _SAMPLE.search(line)
            if sample and mode == "key" and not current.sample:
                current.sample = int(sample[1])
            row = _ROW.match(line)
            if not row:
                continue
            text, relevant, yes = clean(row[1]), int(row[2]), int(row[3])
            if mode == "key":
                current.key_questions.append(PublishedKeyQuestion(text, relevant, yes))
            else:
                current.key_questions[kq_index].prompts.append(PublishedQuestion(text, relevant, yes))
            continue
        # A plain line ending in "?" is the heading of a prompt table.
        if line.endswith("?") and line[0] not in "¹²³⁴⁵⁶⁷⁸⁹⁰":
            mode = "prompt"
            kq_index += 1
    return standards
