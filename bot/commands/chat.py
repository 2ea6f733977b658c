"""`regbot chat [--as-of DATE] [--no-log]`: an interactive session with follow-ups."""
from __future__ import annotations

import click


@click.command()
@click.option("--as-of", "as_of", metavar="DATE|PERIOD",
              help="Start answering as of this date, or over a period ('Q4 2025').")
@click.option("--no-log", "no_log", is_flag=True, help="Do not record answers in the decision log.")
def chat(as_of: str | None, no_log: bool) -> None:
    """Ask questions interactively; follow-ups keep the earlier facts (/help for commands)."""
    from rich.console import Console

    from bot.chat import ChatSession, input_lines, run_chat
    from bot.commands.ask import BatchLineError, open_answerer, parse_date

    try:
        start = parse_date(as_of)
    except BatchLineError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    answerer = open_answerer()
    session = ChatSession(ask=answerer.answer, console=Console(highlight=False), as_of=start,
                          log=False if no_log else None)
    run_chat(session, input_lines(answerer.settings.home / "chat_history"))
