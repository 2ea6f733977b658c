"""Dates in questions as periods: "on 2025-11-06" (a day), "in March 2024" (a month), "Q4 2025",
"in 2021", "last year", "next month", "after February 2022" (to today), "before November 7,
2025" (up to 2025-11-06), "between 2021 and 2023", "before the embargo was lifted" (the last
day of the destination's lifted embargo).

`find_period` returns a `Period` (bot.records) or None; impossible or ambiguous dates raise
DateError. Recognition is by pattern (a date library's fuzzy parser guesses day/month order
and swallows stray numbers; a wrong date here is a wrong verdict); calendar arithmetic is
python-dateutil's `relativedelta`. Pure: `today` is always passed in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from bot.records import Period
from bot.rules.schema import EMBARGO, ITAR_126_1

MONTHS = {m: i for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for m in names}
_MONTH = r"(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"((?:19|20)\d{2})(?![\d-])"
# An open period before the rulebook's coverage: "before X" is evaluated from here (the
# rulebook's own "long-standing" date, see bot.compose.LONG_STANDING).
RULEBOOK_START = date(2000, 1, 1)

_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d-])")
_DMY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+" + _MONTH + r",?\s+" + _YEAR, re.I)
_MDY = re.compile(r"\b" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR, re.I)
_MY = re.compile(r"\b" + _MONTH + r",?\s+" + _YEAR, re.I)
_LAST_MONTH_NAME = re.compile(r"\blast\s+" + _MONTH + r"(?!\s*\d)", re.I)
_AGO = re.compile(r"\b(\d{1,2}|one|two|three|four|five)\s+(year|month)s?\s+ago\b", re.I)
_RELATIVE = re.compile(r"\b(yesterday|today|tomorrow|now|currently|(?:last|this|next)\s+"
                       r"(?:year|month|quarter))\b", re.I)
# 31/12/2025, 12/31/2025, 31.12.2025, 2025/12/31; 01/06/2025 is ambiguous and refused.
_NUMERIC = re.compile(r"(?<![\w/.-])(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?![\w/.-])")
_YMD_SLASH = re.compile(r"(?<![\w/.-])(\d{4})/(\d{1,2})/(\d{1,2})(?![\w/.-])")
_QUARTER = re.compile(r"\bQ([1-4])\s*,?\s*((?:19|20)\d{2})\b", re.I)
_QUARTER_WORDS = re.compile(r"\b(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\s+(?:of\s+)?"
                            + _YEAR, re.I)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
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
# The word before a date that makes it one end of a period ("after X", "before X").
_OPERATOR = re.compile(
    r"\b(after|following|later than|since|from|starting(?:\s+(?:from|in|on))?|beginning|"
    r"before|prior to|earlier than|until|till|up to|through|no later than|not later than)"
    r"\s+(?:(?:on|in|the)\s+)?$", re.I)
_RANGE_OPEN = re.compile(r"\b(between|from)\s+(?:(?:on|in|the)\s+)?$", re.I)
_RANGE_JOIN = re.compile(r"^\s*(?:and|to|until|till|through|thru|-|–|—)\s+(?:(?:on|in|the)\s+)?$",
                         re.I)
_AFTER = ("after", "following", "later than")
_BEFORE = ("before", "prior to", "earlier than")


class DateError(ValueError):
    """An impossible or unusable date in a question."""


@dataclass(frozen=True)
class _Found:
    """One date expression in the text: the days it covers and where it stands."""

    first: date
    last: date
    start: int
    end: int
    rank: int  # 0 a calendar date, 1 a relative one, 2 a bare year (which one a question means)


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"'{text}' is not a real date") from None


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, first + relativedelta(months=1) - timedelta(days=1)


def quarter_of(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    return first, first + relativedelta(months=3) - timedelta(days=1)


def year_of(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


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


def _relative(word: str, today: date) -> tuple[date, date]:
    word = " ".join(word.lower().split())
    if word in ("yesterday", "tomorrow"):
        day = today + timedelta(days=-1 if word == "yesterday" else 1)
        return day, day
    if word in ("today", "now", "currently"):
        return today, today
    which, unit = word.split()
    shift = {"last": -1, "this": 0, "next": 1}[which]
    if unit == "year":
        return year_of(today.year + shift)
    if unit == "month":
        return month_of(today + relativedelta(months=shift))
    quarter = (today.month - 1) // 3 + shift  # 0-based, may leave the year
    return quarter_of(today.year + quarter // 4, quarter % 4 + 1)


def _numeric(m: re.Match) -> date:
    """Day/month or month/day by whichever is possible; both possible and different: refuse."""
    first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if first <= 12 and second <= 12 and first != second:
        raise DateError(f"'{m.group(0)}' is ambiguous (day/month or month/day?): write it as "
                        f"YYYY-MM-DD or as '1 June 2025'")
    day, month = (first, second) if first > 12 or first == second else (second, first)
    return _make(year, month, day, m.group(0))


def _days(pattern: re.Pattern, text: str, read) -> list[tuple[re.Match, tuple[date, date]]]:
    return [(m, read(m)) for m in pattern.finditer(text)]


def _day(day: date) -> tuple[date, date]:
    return day, day


def _ago(m: re.Match, today: date) -> tuple[date, date]:
    n = _WORDS.get(m.group(1).lower()) or int(m.group(1))
    delta = relativedelta(years=n) if m.group(2).lower() == "year" else relativedelta(months=n)
    return _day(today - delta)


def _last_named_month(m: re.Match, today: date) -> tuple[date, date]:
    month = MONTHS[m.group(1).lower()]
    return month_of(date(today.year if month < today.month else today.year - 1, month, 1))


def _expressions(text: str, today: date) -> list[_Found]:
    """Every date expression in `text`, longest first where two overlap, in text order."""
    readers = (
        (0, _ISO, lambda m: _day(_make(int(m[1]), int(m[2]), int(m[3]), m[0]))),
        (0, _DMY, lambda m: _day(_make(int(m[3]), MONTHS[m[2].lower()], int(m[1]), m[0]))),
        (0, _MDY, lambda m: _day(_make(int(m[3]), MONTHS[m[1].lower()], int(m[2]), m[0]))),
        (0, _MY, lambda m: month_of(date(int(m[2]), MONTHS[m[1].lower()], 1))),
        (0, _YMD_SLASH, lambda m: _day(_make(int(m[1]), int(m[2]), int(m[3]), m[0]))),
        (0, _NUMERIC, lambda m: _day(_numeric(m))),
        (0, _QUARTER, lambda m: quarter_of(int(m[2]), int(m[1]))),
        (0, _QUARTER_WORDS, lambda m: quarter_of(int(m[2]), _ORDINAL[m[1].lower()])),
        (1, _LAST_MONTH_NAME, lambda m: _last_named_month(m, today)),
        (1, _AGO, lambda m: _ago(m, today)),
        (1, _RELATIVE, lambda m: _relative(m[1], today)),
        (2, _YEAR_ONLY, lambda m: year_of(int(m[1]))),
    )
    found = [_Found(first, last, m.start(), m.end(), rank)
             for rank, pattern, read in readers for m, (first, last) in _days(pattern, text, read)]
    kept: list[_Found] = []
    for f in sorted(found, key=lambda f: (f.start, -(f.end - f.start), f.rank)):
        if not any(k.start < f.end and f.start < k.end for k in kept):
            kept.append(f)
    return kept


def _range(text: str, found: list[_Found]) -> tuple[_Found, _Found] | None:
    """'between 2021 and 2023', 'from March 2024 to June 2024'."""
    for a, b in zip(found, found[1:]):
        if _RANGE_OPEN.search(text[:a.start]) and _RANGE_JOIN.match(text[a.end:b.start]):
            return a, b
    return None


def _operated(text: str, f: _Found, today: date) -> Period | None:
    """The period 'after/since/before/until <f>' covers, or None without such a word."""
    offset = max(0, f.start - 30)
    m = _OPERATOR.search(text[offset:f.start])
    if m is None:
        return None
    phrase = text[offset + m.start():f.end]
    word = " ".join(m.group(1).lower().split())
    if word in _AFTER:
        first = f.last + timedelta(days=1)
        return Period(first, max(today, first), phrase)
    if word in _BEFORE:
        return Period(None, f.first - timedelta(days=1), phrase)
    if word in ("until", "till", "up to", "through", "no later than", "not later than"):
        return Period(None, f.last, phrase)
    return Period(f.first, max(today, f.last), phrase)  # since, from, starting, beginning


def find_period(text: str, today: date, *, destination: str | None = None,
                rulebook=None) -> Period | None:
    """The period `text` states, relative to `today`; None if it states none."""
    if m := _EMBARGO.search(text):
        return Period.day(_embargo_date(m, destination, rulebook), m.group(0))
    if m := _DURING.search(text):
        return Period.day(_during_embargo(m, destination, rulebook, today), m.group(0))
    found = _expressions(text, today)
    if not found:
        return None
    if pair := _range(text, found):
        a, b = pair
        opener = _RANGE_OPEN.search(text[:a.start])
        phrase = text[opener.start():b.end]
        if b.last < a.first:
            raise DateError(f"'{phrase}' ends before it starts")
        return Period(a.first, b.last, phrase)
    for f in found:
        if period := _operated(text, f, today):
            return period
    best = min(found, key=lambda f: (f.rank, f.start))
    return Period(best.first, best.last, text[best.start:best.end])


def find_date(text: str, today: date, *, destination: str | None = None,
              rulebook=None) -> tuple[date, str] | None:
    """(the last day of the stated period up to today, phrase): the one-day reading."""
    period = find_period(text, today, destination=destination, rulebook=rulebook)
    return None if period is None else (min(period.end, today), period.phrase)


def parse_as_of(text: str, today: date) -> Period:
    """An `--as-of` value: a date or any phrase a question may use ("Q4 2025", "last year")."""
    period = find_period(text.strip(), today)
    if period is None:
        raise DateError(f"cannot read a date or period in {text!r} (e.g. 2025-11-08, "
                        f"'March 2024', 'Q4 2025', 'after February 2022')")
    return Period(period.start, period.end, " ".join(text.split()))


def as_of_value(text: str, today: date) -> date | Period:
    """What a front end's --as-of or /date means: a day (the day the question is asked on, as
    before) or a longer period (the period a question that names no date is about)."""
    period = parse_as_of(text, today)
    return period.end if period.single_day else period


def window(period: Period, as_of: date) -> tuple[date, date, bool]:
    """(first, last, reaches_future): the days an answer over `period` is evaluated on.
    `as_of` is the last day that is not the future (today, or the period's last day); what
    lies after it is answered on the rules of `as_of`."""
    last = min(period.end, as_of)
    first = period.start if period.start is not None else min(RULEBOOK_START, last)
    return min(first, last), last, period.end > as_of
