"""`regbot` command line. Subcommands live in `bot/commands/<name>.py` and are
imported only when used, so `regbot check` never pays for chromadb and
`regbot search` never pays for sentence-transformers.

Exit codes (all commands): 0 ok; 1 nothing done / input rejected; 2 usage error;
3 index missing, corrupt or built with another model; 130 interrupted.
"""
from __future__ import annotations

import importlib
import json
import os
import sys
from typing import NoReturn

import click

# name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "ingest": "bot.commands.ingest:ingest",
    "search": "bot.commands.search:search",
    "model": "bot.commands.model:model",
    "check": "bot.commands.check:check",
    "ask": "bot.commands.ask:ask",
    "chat": "bot.commands.chat:chat",
    "log": "bot.commands.log:log",
    "slack": "bot.commands.slack:slack",
    "eval": "bot.commands.eval:eval_command",
    "rules": "bot.commands.rules:rules",
    "screen": "bot.commands.screen:screen",
    "screening": "bot.commands.screen:screening",
    "index": "bot.commands.index:index",
    "sync": "bot.commands.sync:sync",
}

EXIT_OK, EXIT_NOTHING, EXIT_USAGE, EXIT_INDEX, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def wants_json(ctx: click.Context | None) -> bool:
    """Whether the command line asked for `--json` (then every error is a JSON object)."""
    while ctx is not None:
        if ctx.params.get("as_json"):
            return True
        if "--json" in ctx.meta.get("regbot.args", ()):
            return True
        ctx = ctx.parent
    return False


def fail(message: str, code: int) -> NoReturn:
    """Report an error and exit `code`: `{"error", "exit_code"}` on stdout under `--json`,
    else "error: ..." on stderr."""
    if wants_json(click.get_current_context(silent=True)):
        click.echo(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(code)


def quiet_closed_pipe() -> NoReturn:
    """The reader of our output went away (`regbot ask ... | head`): nothing more to say,
    and nothing went wrong. Further writes go to /dev/null so the exit stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (a test runner)
        pass
    sys.exit(EXIT_OK)


class LazyGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["regbot.args"] = list(args)  # read by `wants_json` even when parsing fails
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # command not built yet
                return None
            raise
        return getattr(module, attr)

    def invoke(self, ctx: click.Context):
        """For every command: Ctrl-C is "interrupted", exit 130 (click would print "Aborted!"
        and exit 1, which reads as "nothing done"); a bad REGBOT_* value or config file is
        "error: bad configuration", exit 2."""
        from bot.settings import SettingsError

        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            if not wants_json(ctx):
                click.echo("", err=True)
            fail("interrupted", EXIT_INTERRUPTED)
        except SettingsError as exc:
            fail(f"bad configuration: {exc}", EXIT_USAGE)
        except BrokenPipeError:
            quiet_closed_pipe()
        except click.ClickException as exc:  # usage errors, bad options: JSON under --json
            if not wants_json(ctx):
                raise
            fail(exc.format_message(), exc.exit_code)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="regbot")
def cli() -> None:
    """regbot: export-control answers from cited regulations and a dated rulebook."""


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: offline model loading, clean Ctrl-C."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        cli.main(args=argv, prog_name="regbot", standalone_mode=True)
    except KeyboardInterrupt:  # before a command runs (e.g. while importing it)
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit as exc:
        if exc.code == EXIT_NOTHING and _rich_saw_closed_pipe(exc):
            sys.exit(EXIT_OK)  # rich already sent stdout to /dev/null and exited 1
        try:  # output still buffered for a reader that has gone away: exit quietly
            sys.stdout.flush()
        except BrokenPipeError:
            quiet_closed_pipe()
        raise


def _rich_saw_closed_pipe(exc: SystemExit) -> bool:
    """rich.Console.on_broken_pipe ends the process with exit 1; for us a reader that stops
    reading (`| head`) is not a failure."""
    import traceback

    return any(frame.f_code.co_name == "on_broken_pipe" and "rich" in frame.f_code.co_filename
               for frame, _ in traceback.walk_tb(exc.__traceback__))


if __name__ == "__main__":
    main()
