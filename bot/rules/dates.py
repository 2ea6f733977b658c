"""Dates in questions: "on 2025-11-06", "as of 1 June 2025", "in 2023", "last March",
"before the embargo was lifted" (the last day of the destination's lifted embargo).

`find_date` returns (date, the words that set it) or None; impossible dates raise DateError.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from bot.rules.schema import EMBARGO, ITAR_126_1

MONTHS = {m: i for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for m in names}
_MONTH = r"(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"((?:19|20)\d{2})(?![\d-])"

_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d-])")
_DMY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+" + _MONTH + r",?\s+" + _YEAR, re.I)
_MDY = re.compile(r"\b" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR, re.I)
_MY = re.compile(r"\b" + _MONTH + r",?\s+" + _YEAR, re.I)
_LAST_MONTH_NAME = re.compile(r"\blast\s+" + _MONTH + r"(?!\s*\d)", re.I)
_AGO = re.compile(r"\b(\d{1,2}|one|two|three|four|five)\s+(year|month)s?\s+ago\b", re.I)
_RELATIVE = re.compile(r"\b(yesterday|today|tomorrow|now|currently|last year|last month|"
                       r"this year|next year|next month)\b", re.I)
# 31/12/2025, 12/31/2025, 31.12.2025, 2025/12/31; 01/06/2025 is ambiguous and refused.
_NUMERIC = re.compile(r"(?<![\w/.-])(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?![\w/.-])")
_YMD_SLASH = re.compile(r"(?<![\w/.-])(\d{4})/(\d{1,2})/(\d{1,2})(?![\w/.-])")
_QUARTER = re.compile(r"\bQ([1-4])\s*,?\s*((?:19|20)\d{2})\b", re.I)
_EMBARGO = re.compile(
    r"\b(before|after|prior to|until)\s+(?:the\s+)?(?:arms\s+|defen[cs]e\s+trade\s+)?"
    r"(?:embargo|ban|restrictions?|policy of denial)\s+(?:was|were|got|had been|has been)?\s*"
    r"(lifted|removed|ended|imposed|started|began|introduced)", re.I)
_DURING = re.compile(
    r"\b(?:during|under|throughout|while)\s+(?:the\s+)?(?:arms\s+|defen[cs]e\s+trade\s+)?"
    r"(?:embargo|ban|policy of denial)(?:\s+(?:was|were)\s+in\s+(?:place|force|effect))?", re.I)
_YEAR_ONLY = re.compile(r"(?<![\w.\-/§])" + _YEAR)
_EMBARGO_RULES = (ITAR_126_1, EMBARGO)  # "the embargo": the § 126.1 listing or a part 746 embargo
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


class DateError(ValueError):
    """An impossible or unusable date in a question."""


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"'{text}' is not a real date") from None


def _embargo_date(m: re.Match, destination: str | None, rulebook) -> date:
    """The last day of (or the day before) the destination's embargo, from the rulebook."""
    if destination is None or rulebook is None:
        raise DateError(f"'{m.group(0)}': say which country's embargo you mean")
    lifted = m.group(2).lower() in ("lifted", "removed", "ended")
    periods = []
    for name in _EMBARGO_RULES:
        rule = rulebook.rule(name.of(destination))
        for value in getattr(rule, "values", ()):
            if value.value in ("listed", "comprehensive") and (value.valid_until or not lifted):
                periods.append(value)
    if not periods:
        raise DateError(f"'{m.group(0)}': the rulebook records no such embargo for "
                        f"{destination}")
    latest = max(periods, key=lambda v: v.valid_from)
    edge = latest.valid_until if lifted else latest.valid_from
    before = m.group(1).lower() in ("before", "prior to", "until")
    if lifted:
        return edge if before else edge + timedelta(days=1)
    return edge - timedelta(days=1) if before else edge


def _during_embargo(m: re.Match, destination: str | None, rulebook, today: date) -> date:
    """The last day of the destination's latest embargo (today while it lasts)."""
    if destination is None or rulebook is None:
        raise DateError(f"'{m.group(0)}': say which country's embargo you mean")
    periods = [value for name in _EMBARGO_RULES
               for value in getattr(rulebook.rule(name.of(destination)), "values", ())
               if value.value in ("listed", "comprehensive") and value.valid_from <= today]
    if not periods:
        raise DateError(f"'{m.group(0)}': the rulebook records no such embargo for "
                        f"{destination}")
    latest = max(periods, key=lambda v: v.valid_from)
    return min(latest.valid_until or today, today)


def _relative(word: str, today: date) -> date:
    word = word.lower()
    if word == "yesterday":
        return today - timedelta(days=1)
    if word == "tomorrow":
        return today + timedelta(days=1)
    shifts = {"last year": relativedelta(years=-1), "last month": relativedelta(months=-1),
              "next year": relativedelta(years=1), "next month": relativedelta(months=1)}
    return today + shifts.get(word, relativedelta())


def _numeric(m: re.Match) -> date:
    """Day/month or month/day by whichever is possible; both possible and different: refuse."""
    first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if first <= 12 and second <= 12 and first != second:
        raise DateError(f"'{m.group(0)}' is ambiguous (day/month or month/day?): write it as "
                        f"YYYY-MM-DD or as '1 June 2025'")
    day, month = (first, second) if first > 12 or first == second else (second, first)
    return _make(year, month, day, m.group(0))


def _explicit(text: str) -> tuple[date, str] | None:
    if m := _ISO.search(text):
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(0)), m.group(0)
    if m := _DMY.search(text):
        month = MONTHS[m.group(2).lower()]
        return _make(int(m.group(3)), month, int(m.group(1)), m.group(0)), m.group(0)
    if m := _MDY.search(text):
        month = MONTHS[m.group(1).lower()]
        return _make(int(m.group(3)), month, int(m.group(2)), m.group(0)), m.group(0)
    if m := _MY.search(text):
        return date(int(m.group(2)), MONTHS[m.group(1).lower()], 1), m.group(0)
    if m := _YMD_SLASH.search(text):
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(0)), m.group(0)
    if m := _NUMERIC.search(text):
        return _numeric(m), m.group(0)
    if m := _QUARTER.search(text):
        return date(int(m.group(2)), 3 * int(m.group(1)) - 2, 1), m.group(0)
    return None


def find_date(text: str, today: date, *, destination: str | None = None,
              rulebook=None) -> tuple[date, str] | None:
    """(as_of, phrase) for the date `text` states, relative to `today`; None if none."""
    if m := _EMBARGO.search(text):
        return _embargo_date(m, destination, rulebook), m.group(0)
    if m := _DURING.search(text):
        return _during_embargo(m, destination, rulebook, today), m.group(0)
    if found := _explicit(text):
        return found
    if m := _LAST_MONTH_NAME.search(text):
        month = MONTHS[m.group(1).lower()]
        year = today.year if month < today.month else today.year - 1
        return date(year, month, 1), m.group(0)
    if m := _AGO.search(text):
        n = _WORDS.get(m.group(1).lower()) or int(m.group(1))
        delta = relativedelta(years=n) if m.group(2).lower() == "year" else relativedelta(months=n)
        return today - delta, m.group(0)
    if m := _RELATIVE.search(text):
        return _relative(m.group(1), today), m.group(0)
    if m := _YEAR_ONLY.search(text):
        year = int(m.group(1))
        # A bare year means mid-year; this year means today.
        return (today if year == today.year else date(year, 7, 1)), m.group(0)
    return None
