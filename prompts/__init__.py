"""Prompt files for the optional language model, and a small loader.

Prompts are plain text files next to this module; `$name` placeholders are
filled with `string.Template`, so braces in quoted passages are harmless and
substituted values are never re-interpreted.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template

PROMPT_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def load_prompt(name: str) -> str:
    """The text of `prompts/<name>.md`; a missing prompt is a clear FileNotFoundError."""
    path = PROMPT_DIR / f"{name}.md"
    if not path.is_file():
        raise FileNotFoundError(f"prompt {name!r} not found at {path}")
    return path.read_text(encoding="utf-8")


def render_prompt(name: str, **values: str) -> str:
    """Fill the prompt's $placeholders; a missing value raises KeyError naming it."""
    return Template(load_prompt(name)).substitute(values)
