"""`regbot chat`: an interactive session, and the rich rendering `regbot ask` shares.

Follow-ups keep context: each question is read with the previous answer's facts,
so "what if the buyer is the army?" re-uses the destination and item. With a
terminal, prompt_toolkit gives line editing and a history file in the data
folder; without one (a pipe), lines are read from stdin.
"""
from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable, Iterator

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from bot.compose import describe_facts, headline, when
from bot.records import Answer, Citation, Facts, Period, Status

STATUS_STYLE = {Status.PROHIBITED: "bold red", Status.LICENSE_REQUIRED: "bold yellow",
                Status.NO_LICENSE_REQUIRED: "bold green", Status.DEPENDS: "bold cyan",
                Status.CANNOT_DETERMINE: "bold magenta"}

# Titles of the answers that are not verdicts (bot.kinds): no status headline for them.
KIND_TITLES = {"fact": "Fact", "timeline": "Timeline", "document": "Document",
               "off_topic": "What regbot answers", "not_english": "Language"}
LEAVE_WORDS = frozenset({"/quit", "/exit", "/q", "exit", "quit", "bye", "goodbye", "q"})

HELP = """Ask a question in plain English, e.g. "Can we sell avionics to Cambodia?".
Follow-ups keep the earlier facts ("what if the buyer is the army?", "and back in 2023?").
  /facts            the facts understood so far
  /why              the full reasons of the last answer, with rule ids and the rule values read
  /sources          every source behind the last answer, with its quote
  /date DATE        answer as of that date or period, e.g. 2025-11-08, Q4 2025 (/date alone: today)
  /reset            forget the conversation
  /help             this help
  /quit             leave (exit, quit, bye and Ctrl-D work too)"""


# --------------------------------------------------------------------------- rendering


def _subtitle(answer: Answer) -> str:
    """'as of 2023-12-31', plus the period asked about when it is longer than that day."""
    said = when(answer.facts)
    day = f"as of {answer.as_of.isoformat()}"
    return day if said.startswith("as of") else f"{day} · {said}"


CHAT_HINT = "more: /why, /sources"
ASK_HINT = "more: --full, --json"


def render_answer(answer: Answer, hint: str = CHAT_HINT) -> Group:
    """A determination: its brief (bot.brief, ≤ 12 lines at 80 columns, bottom line first).
    Any other kind of answer: its panel, as `render_full`."""
    if getattr(answer, "kind", "determination") != "determination":
        return render_full(answer)
    from bot.brief import brief, footer

    short = brief(answer)
    style = STATUS_STYLE.get(answer.verdict.status, "bold")
    parts = [Text(short.bottom_line, style=style)]
    parts += [Text(line) for line in short.reason_lines()]
    for n, cite in enumerate(short.quotes, 1):
        from bot.brief import quote_label

        parts.append(Text.assemble((f"[{n}] ", "bold"), (f"“{' '.join(cite.quote.split())}”", "italic"),
                                   f" — {quote_label(cite)}"))
    parts.append(Text(footer(answer, hint, short.hidden), style="dim"))
    return Group(*parts)


def render_full(answer: Answer) -> Group:
    """Verdict panel (status + text), numbered citations with their quotes, and notes."""
    status = answer.verdict.status
    kind = getattr(answer, "kind", "determination")
    title = Text(KIND_TITLES[kind], style="bold blue") if kind in KIND_TITLES else \
        Text(headline(status), style=STATUS_STYLE.get(status, "bold"))
    parts = [Panel(Text(answer.text), title=title, title_align="left",
                   subtitle=_subtitle(answer), border_style="dim")]
    for n, cite in enumerate(answer.citations, 1):
        parts.append(Text.assemble((f"[{n}] ", "bold"), citation_label(cite)))
        parts.append(Text(f"    “{' '.join(cite.quote.split())}”", style="italic"))
    for note in answer.notes:
        parts.append(Text(f"note: {note}", style="dim"))
    return Group(*parts)


def citation_label(cite: Citation) -> Text:
    """'90 FR 50489 — file.md ¶6' (the locator alone when it already names the file)."""
    where = cite.locator if cite.locator.startswith(cite.source) else f"{cite.source} · {cite.locator}"
    if cite.citation and cite.citation not in cite.locator:
        return Text.assemble((cite.citation, "bold"), f" — {where}")
    return Text(where, style="bold")


def render_facts(facts: Facts | None) -> Text:
    if facts is None:
        return Text("No facts yet: ask a question.")
    return Text(f"Understood: {describe_facts(facts)}")


def render_why(answer: Answer | None, with_text: bool = True) -> Group | Text:
    """The full answer text, the rule ids behind it and every rule value read (with its
    citation and the date it took effect), and the notes."""
    if answer is None:
        return Text("No answer yet.")
    verdict = answer.verdict
    parts: list = [Text(answer.text)] if with_text else []
    if verdict.rule_ids:
        parts.append(Text("Rules: " + ", ".join(verdict.rule_ids), style="bold"))
    for t in verdict.trace:
        since = f", in force from {t.valid_from.isoformat()}" if t.valid_from else ""
        parts.append(Text(f"- {t.rule_id} = {t.value!r} ({t.citation}{since})"))
    if with_text:
        for note in answer.notes:
            parts.append(Text(f"note: {note}", style="dim"))
    return Group(*parts)


def render_sources(answer: Answer | None) -> Group | Text:
    """Every citation of the last answer, with where it is and its quote, then the passages
    retrieved."""
    if answer is None:
        return Text("No answer yet.")
    lines: list = []
    for n, c in enumerate(answer.citations, 1):
        where = f" · chars {c.span[0]}-{c.span[1]}" if c.span else ""
        lines.append(Text.assemble((f"[{n}] ", "bold"), citation_label(c), where))
        lines.append(Text(f"    “{' '.join(c.quote.split())}”", style="italic"))
    lines += [Text(f"retrieved #{p.rank}: {p.chunk.source} · {p.chunk.locator} "
                   f"(score {p.score:.3f})", style="dim") for p in answer.passages]
    return Group(*lines) if lines else Text("The last answer cited no sources.")


# --------------------------------------------------------------------------- the session


@dataclass
class ChatSession:
    """Conversation state and command handling; `ask` is Answerer.answer or a stand-in."""

    ask: Callable[..., Answer]
    console: Console
    as_of: "date | Period | None" = None  # /date: a day, or a period (bot.rules.dates)
    last: Answer | None = None
    log: bool | None = None
    _commands: dict[str, Callable[[str], None]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._commands = {"/facts": self._facts, "/sources": self._sources,
                          "/why": self._why, "/date": self._date,
                          "/reset": self._reset, "/help": self._help}

    def handle(self, line: str) -> bool:
        """Process one input line; False means the user wants to leave."""
        line = line.strip()
        if not line:
            return True
        if line.lower().rstrip(" .!") in LEAVE_WORDS:
            return False
        if line.startswith("/"):
            name, _, arg = line.partition(" ")
            command = self._commands.get(name)
            if command is None:
                self.console.print(f"Unknown command {escape(name)}; /help lists them.")
            else:
                command(arg.strip())
            return True
        self._question(line)
        return True

    def _question(self, line: str) -> None:
        from bot.answer import QuestionError
        from index.errors import RegbotIndexError

        context = self.last.facts if self.last else None
        if context is not None and self.as_of is not None:  # /date wins over the earlier date
            day = self.as_of if isinstance(self.as_of, date) else min(self.as_of.end, date.today())
            context = dataclasses.replace(context, as_of=day, date_phrase=None, period=None)
        try:
            answer = self.ask(line, as_of=self.as_of, context=context, front_end="chat", log=self.log)
        except (QuestionError, RegbotIndexError) as exc:
            self.console.print(f"[red]{escape(str(exc))}[/red]")
            return
        self.last = answer
        self.console.print(render_answer(answer))

    def _facts(self, _: str) -> None:
        self.console.print(render_facts(self.last.facts if self.last else None))

    def _why(self, _: str) -> None:
        self.console.print(render_why(self.last))

    def _sources(self, _: str) -> None:
        self.console.print(render_sources(self.last))

    def _date(self, arg: str) -> None:
        if not arg:
            self.as_of = None
            self.console.print("Answering as of today.")
            return
        from bot.rules.dates import DateError, as_of_value

        try:
            self.as_of = as_of_value(arg, date.today())
        except DateError as exc:
            self.console.print(f"[red]Not a date: {escape(arg)!r} ({escape(str(exc))}); use "
                               f"YYYY-MM-DD or a period such as 'Q4 2025'.[/red]")
            return
        said = self.as_of.isoformat() if isinstance(self.as_of, date) else self.as_of.label()
        self.console.print(f"Answering as of {said}.")

    def _reset(self, _: str) -> None:
        self.last, self.as_of = None, None
        self.console.print("Forgotten. Ask a new question.")

    def _help(self, _: str) -> None:
        self.console.print(HELP, markup=False, highlight=False)


def _tty_lines(history_path) -> Iterator[str]:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    history_path.parent.mkdir(parents=True, exist_ok=True)
    session = PromptSession(history=FileHistory(str(history_path)))
    while True:
        try:
            yield session.prompt("regbot> ")
        except KeyboardInterrupt:
            continue  # Ctrl-C clears the line, as in a shell
        except EOFError:
            return


def _pipe_lines(stream) -> Iterator[str]:
    """Lines of a non-terminal stdin; bytes that are not UTF-8 become U+FFFD, never a crash."""
    for raw in getattr(stream, "buffer", stream):
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", errors="replace")
        yield raw.rstrip("\r\n")


def input_lines(history_path, stdin=None) -> Iterable[str]:
    """prompt_toolkit on a terminal, plain lines otherwise."""
    stdin = stdin or sys.stdin
    if stdin.isatty() and sys.stdout.isatty():
        return _tty_lines(history_path)
    return _pipe_lines(stdin)


def run_chat(session: ChatSession, lines: Iterable[str]) -> None:
    """Handle lines until /quit or end of input; Ctrl-C stops the current answer, not the chat."""
    session.console.print("regbot chat — /help for commands, /quit to leave.")
    for line in lines:
        try:
            if not session.handle(line):
                break
        except KeyboardInterrupt:
            session.console.print("[dim](interrupted; ask again or /quit)[/dim]")
