"""`regbot` command line. Subcommands live in `bot/commands/<name>.py` and are
imported only when used, so `regbot check` never pays for chromadb and
`regbot search` never pays for sentence-transformers.

Exit codes (all commands): 0 ok; 1 nothing done / input rejected; 2 usage error;
3 index missing, corrupt or built with another model; 130 interrupted.
"""
from __future__ import annotations

import importlib
import os
import sys

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
}

EXIT_OK, EXIT_NOTHING, EXIT_USAGE, EXIT_INDEX, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class LazyGroup(click.Group):
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
            click.echo("\ninterrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except SettingsError as exc:
            click.echo(f"error: bad configuration: {exc}", err=True)
            sys.exit(EXIT_USAGE)


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


if __name__ == "__main__":
    main()
