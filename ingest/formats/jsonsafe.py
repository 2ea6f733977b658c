"""JSON from untrusted input: a nesting limit checked before parsing, optionally finite numbers only.

`json.loads` recurses once per nesting level, so a line of 100,000 `[` raises a raw
`RecursionError` (issue 14: it stopped `ask --batch` and every line after it, and ingest
reported it as such). `1e999` parses to `inf`, and `NaN`/`Infinity` are accepted by default,
after which `json.dumps` prints `Infinity` — not JSON. `loads` refuses all of these with a
`JSONInputError` whose message a person can act on.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64  # documents and sidecars; real ones nest 2-5 levels
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')  # strings skipped whole


class JSONInputError(ValueError):
    """The text is not acceptable JSON; `str(exc)` says why, `lineno`/`colno` where (when known)."""

    def __init__(self, message: str, lineno: int | None = None, colno: int | None = None) -> None:
        super().__init__(message)
        self.msg, self.lineno, self.colno = message, lineno, colno

    def located(self, line_prefix: str = "line ") -> str:
        """'(line 3, column 7: Expecting value)' for syntax errors, ': nested …' otherwise."""
        if self.lineno is None:
            return f": {self.msg}"
        return f" ({line_prefix}{self.lineno}, column {self.colno}: {self.msg})"


def nesting_depth_exceeds(text: str, limit: int) -> bool:
    """True when arrays/objects nest deeper than `limit` (brackets inside strings ignored).

    Linear, no recursion; texts with fewer brackets than `limit` return at once."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _STRUCTURE.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _reject_constant(name: str) -> Any:
    raise JSONInputError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONInputError(f"number {text[:40]} is too large (not finite)")
    return value


def loads(text: str, *, max_depth: int = MAX_DEPTH, finite: bool = False) -> Any:
    """Parse JSON text, refusing nesting deeper than `max_depth` and, with `finite`,
    NaN, Infinity and numbers that overflow to infinity (`1e999`)."""
    if nesting_depth_exceeds(text, max_depth):
        raise JSONInputError(f"nested more than {max_depth} levels deep")
    hooks: dict[str, Any] = {}
    if finite:
        hooks = {"parse_constant": _reject_constant, "parse_float": _finite_float}
    try:
        return json.loads(text, **hooks)
    except JSONInputError:
        raise
    except json.JSONDecodeError as exc:
        raise JSONInputError(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:  # the pre-check makes this unreachable; kept as a backstop
        raise JSONInputError("nested too deeply to parse") from None
    except ValueError as exc:  # e.g. an integer over Python's 4,300-digit limit
        raise JSONInputError(str(exc)) from None
