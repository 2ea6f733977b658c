"""`regbot ask "QUESTION" [--as-of DATE] [--json] [--no-log]` and `regbot ask --batch FILE --json`.

Batch input: one question per line, or JSONL objects {"id", "question", "as_of"};
output: one JSON answer per line (with "id" when given), model and index loaded
once. Lines are split on "\n" only (a CR before it is dropped): U+2028, U+0085 or
U+001C inside a question stay in it. JSON lines are strict: nesting at most
BATCH_DEPTH levels, finite numbers only (no NaN, Infinity or `1e999`).
A bad line yields {"id"|"line", "error"} and the other lines are still answered.

Exit codes: 0 every line answered; 1 some lines failed (each printed as an error line);
2 the batch is unreadable (no such file, not UTF-8) or a usage error; 3 index missing
or corrupt.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any, Iterator, NoReturn

import click

from bot.cli import EXIT_INDEX, EXIT_NOTHING, EXIT_USAGE, fail
from bot.settings import get_settings

BATCH_DEPTH = 8  # a batch line is one flat object: {"id", "question", "as_of"}


class BatchLineError(ValueError):
    """One batch line cannot be read (bad JSON, missing question, bad date)."""

    def __init__(self, message: str, item_id: Any = None) -> None:
        super().__init__(message)
        self.item_id = item_id


def parse_date(value: str | None, what: str = "--as-of"):
    """A day (YYYY-MM-DD, or a phrase naming one day) or a `Period` ("Q4 2025", "after
    February 2022"): the same phrases a question may use. None when not given."""
    if value is None or value == "":
        return None
    from bot.rules.dates import DateError, as_of_value

    try:
        return date.fromisoformat(str(value))
    except ValueError:
        pass
    if not isinstance(value, str) or len(value) > 200:
        raise BatchLineError(f"{what} must be a date YYYY-MM-DD or a period, not {value!r}")
    try:
        return as_of_value(value, date.today())
    except DateError as exc:
        raise BatchLineError(f"{what} must be a date YYYY-MM-DD or a period such as 'Q4 2025' "
                             f"({exc})") from None


def _date_option(ctx, param, value):
    try:
        return parse_date(value)
    except BatchLineError as exc:
        raise click.BadParameter(str(exc)) from None


class BatchUnreadable(click.ClickException):
    """The batch as a whole cannot be read: exit 2, nothing answered."""

    exit_code = EXIT_USAGE


def read_batch(data: bytes, source: str) -> list[str]:
    """Decode the whole batch as UTF-8 (a clear error naming the first bad byte) and split
    it on "\n" only: `str.splitlines` also splits on U+2028, U+0085, U+001C..U+001E and
    others, which cut one question into two half-questions."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BatchUnreadable(
            f"{source} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 and retry") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it does not start another
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _item_id(item: dict) -> Any:
    item_id = item.get("id")
    if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, (str, int, float))):
        raise BatchLineError('"id" must be a string or a number')
    return item_id


def parse_line(line: str) -> tuple[Any, str, date | None]:
    """(id, question, as_of) from a plain line or a strict JSON object line."""
    from ingest.formats.jsonsafe import JSONInputError, loads

    if not line.lstrip().startswith("{"):
        return None, line, None
    try:
        item = loads(line, max_depth=BATCH_DEPTH, finite=True)
    except JSONInputError as exc:
        where = f" at column {exc.colno}" if exc.colno is not None else ""
        raise BatchLineError(f"not valid JSON: {exc}{where}") from None
    if not isinstance(item, dict):
        raise BatchLineError("a JSON line must be an object")
    item_id, question = _item_id(item), item.get("question")
    if not isinstance(question, str):
        raise BatchLineError('a JSON line needs a "question" string', item_id)
    try:
        return item_id, question, parse_date(item.get("as_of"), '"as_of"')
    except BatchLineError as exc:
        raise BatchLineError(str(exc), item_id) from None


def iter_batch(lines: list[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, 1):
        if line.strip():
            yield number, line


def exit_for_index_error(exc: Exception) -> NoReturn:
    """Exit 3 with the index problem and what to do about it."""
    message = str(exc)
    if "regbot ingest" not in message:
        message += "; run `regbot ingest PATH` to build the index"
    fail(message, EXIT_INDEX)


def open_answerer():
    """The Answerer, or exit 3 with a message that says to run `regbot ingest`."""
    from bot.answer import Answerer
    from index.errors import RegbotIndexError

    settings = get_settings()
    try:
        return Answerer(settings)
    except RegbotIndexError as exc:
        exit_for_index_error(exc)


def _run_batch(path: str, log: bool | None, default_as_of: date | None) -> None:
    from index.errors import RegbotIndexError

    source = "standard input" if path == "-" else path
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        raise BatchUnreadable(f"cannot read {source}: {exc.strerror or exc}") from None
    lines = read_batch(data, source)
    answerer = open_answerer()
    try:
        failed = _answer_lines(answerer, lines, log, default_as_of)
    except RegbotIndexError as exc:  # e.g. a vector segment found broken at query time
        exit_for_index_error(exc)
    if failed:
        click.echo(f"{failed} line(s) could not be answered", err=True)
        sys.exit(EXIT_NOTHING)


def _answer_lines(answerer, lines: list[str], log: bool | None, default_as_of: date | None) -> int:
    """Answer each batch line, printing one JSON line each; returns how many failed."""
    from bot.answer import dumps

    from index.errors import RegbotIndexError

    failed = 0
    for number, line in iter_batch(lines):
        item_id = None
        try:
            item_id, question, as_of = parse_line(line)
            answer = answerer.answer(question, as_of=as_of or default_as_of, front_end="cli-batch",
                                     log=log)
        except RegbotIndexError:
            raise
        except Exception as exc:  # one bad line never stops the lines after it
            if getattr(exc, "item_id", None) is not None:
                item_id = exc.item_id
            failed += 1
            extra = {"id": item_id} if item_id is not None else {"line": number}
            click.echo(json.dumps({**extra, "error": _line_error(exc)}, ensure_ascii=False))
            continue
        click.echo(dumps(answer, **({"id": item_id} if item_id is not None else {})))
    return failed


def _line_error(exc: Exception) -> str:
    from bot.answer import QuestionError

    if isinstance(exc, (BatchLineError, QuestionError)):
        return str(exc)
    return f"could not answer this line ({type(exc).__name__}: {str(exc)[:200]})"


def _run_one(question: str, as_of: date | None, as_json: bool, log: bool | None,
             end_user: str | None = None, full: bool = False) -> None:
    from bot.answer import QuestionError, clean_question, dumps
    from index.errors import RegbotIndexError

    from bot.rules import FactsError, extract_facts

    try:  # the question's own problems (length, an impossible date) before loading anything
        text = clean_question(question, get_settings().max_question_chars)
        extract_facts(text, as_of if isinstance(as_of, date) else date.today())
    except (QuestionError, FactsError) as exc:
        fail(str(exc), EXIT_NOTHING)
    answerer = open_answerer()
    try:
        answer = answerer.answer(question, as_of=as_of, front_end="cli", log=log,
                                 overrides={"end_user": end_user} if end_user else None)
    except QuestionError as exc:
        fail(str(exc), EXIT_NOTHING)
    except RegbotIndexError as exc:
        exit_for_index_error(exc)
    if as_json:
        click.echo(dumps(answer))
    else:
        from rich.console import Console

        from bot.chat import ASK_HINT, render_answer, render_full, render_why

        console = Console(highlight=False)
        if full:  # the long form: the full text, every source and quote, then rule ids and values
            console.print(render_full(answer))
            console.print(render_why(answer, with_text=False))
        else:
            console.print(render_answer(answer, hint=ASK_HINT))
    if answer.facts.unknown_country and answer.verdict.status == "cannot_determine":
        sys.exit(EXIT_NOTHING)  # answered ("I don't know the country"), but input rejected


@click.command()
@click.argument("question", required=False)
@click.option("--as-of", "as_of", callback=_date_option, metavar="DATE|PERIOD",
              help="Answer as the rules stood on this date (default: today), or over a period "
                   "('Q4 2025', 'after February 2022') when the question names none.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON answer contract.")
@click.option("--full", "full", is_flag=True,
              help="Print the long form: every reason with its rule ids, every source and quote.")
@click.option("--no-log", "no_log", is_flag=True, help="Do not record this answer in the decision log.")
@click.option("--batch", "batch", metavar="FILE",
              help="Answer every line of FILE ('-' = stdin): questions or JSONL; JSON lines out.")
@click.option("--end-user", "end_user", metavar="NAME",
              help="Who receives the item (a name is screened against the Consolidated "
                   "Screening List; 'army', 'airline' say what kind of end user it is).")
def ask(question: str | None, as_of: date | None, as_json: bool, no_log: bool,
        batch: str | None, end_user: str | None, full: bool = False) -> None:
    """Answer an export-control QUESTION with a verdict, reasons and cited passages."""
    log = False if no_log else None
    end_user = _end_user_option(end_user)
    if batch is not None:
        if question is not None:
            raise click.UsageError("give either QUESTION or --batch FILE, not both")
        if end_user is not None:
            raise click.UsageError("--end-user applies to one QUESTION; in a batch, name the "
                                   "end user in each question")
        _run_batch(batch, log, as_of)
        return
    if question is None:
        raise click.UsageError('missing QUESTION, e.g. regbot ask "Can we sell avionics to Cambodia?"')
    _run_one(question, as_of, as_json, log, end_user, full)


def _end_user_option(value: str | None) -> str | None:
    """A stripped --end-user, None when blank; over 200 characters is a usage error."""
    from bot.commands.check import _text_option

    return _text_option("--end-user", value)
