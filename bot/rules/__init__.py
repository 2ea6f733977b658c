"""Rules: a dated, cited rulebook (data), fact extraction and a deterministic verdict engine.

Public API (other modules depend on these names):
    load_rulebook(path=None) -> Rulebook
    extract_facts(question, today, *, previous=None, rulebook=None) -> Facts
    evaluate(facts, rulebook) -> Verdict
"""
from __future__ import annotations

from bot.rules.loader import Rulebook, RulebookError, load_rulebook

__all__ = ["Rulebook", "RulebookError", "load_rulebook", "extract_facts", "evaluate",
           "FactsError"]


def __getattr__(name: str):  # lazy: keep `import bot.rules` cheap
    if name in ("extract_facts", "FactsError"):
        from bot.rules import facts
        return getattr(facts, name)
    if name == "evaluate":
        from bot.rules.engine import evaluate
        return evaluate
    raise AttributeError(name)
