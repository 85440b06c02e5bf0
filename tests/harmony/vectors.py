"""The copied reference vectors and their render cases (see tests/data/harmony/ORIGIN.md)."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.harmony.prompt import Prompt

DATA = Path(__file__).parent.parent / "data" / "harmony"
CASES = DATA / "cases"
CASE_NAMES = sorted(path.name.removesuffix(".json") for path in CASES.glob("*.json"))


def case_input(name: str) -> bytes:
    return (CASES / f"{name}.json").read_bytes()


def case_prompt(name: str) -> Prompt:
    return Prompt.from_json(json.loads(case_input(name).decode("utf-8")))


def case_expected(name: str) -> str:
    return (CASES / f"{name}.expected.txt").read_bytes().decode("utf-8")


def vector(name: str) -> str:
    return (DATA / f"{name}.txt").read_bytes().decode("utf-8")
