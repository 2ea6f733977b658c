"""answer_question(): the one function every front end calls.

question -> Facts (bot.rules) -> Verdict (bot.rules) -> evidence (bot.evidence:
rule citations + retrieved passages, quotes verified verbatim) -> text
(bot.compose, or a checked language-model phrasing) -> Answer, logged.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from contextlib import contextmanager
from datetime import date
from time import perf_counter
from typing import Any, Iterator

from bot.compose import abstain_text, compose_text
from bot.evidence import passage_citations, rule_citations, terms_of
from bot.question import QuestionError, clean_question
from bot.records import Answer, Chunk, Citation, Facts, Passage, Period, Verdict
from bot.settings import Settings, get_settings
from bot.support import claims, countries_in

FACT_FIELDS = {f.name for f in dataclasses.fields(Facts)} - {"as_of"}
RETRIEVAL_MODES = ("hybrid", "dense", "bm25")


def apply_overrides(facts: Facts, overrides: dict[str, str] | None) -> Facts:
    """Facts set by a front end (e.g. a Slack button, --end-user) win over extraction. An end
    user given this way is classified and, when it names a party, screened."""
    if not overrides:
        return facts
    unknown = sorted(set(overrides) - FACT_FIELDS)
    if unknown:
        raise QuestionError(f"unknown fact(s) {', '.join(unknown)}; known: {', '.join(sorted(FACT_FIELDS))}")
    rest = dict(overrides)
    end_user = rest.pop("end_user", None)
    if end_user is not None:
        from bot.rules.end_user_facts import with_end_user

        facts = with_end_user(facts, end_user)
    return dataclasses.replace(facts, **rest)


def rulebook_version(rulebook: Any) -> str:
    """The rulebook's own version string, else a hash of its repr."""
    for attr in ("version", "digest", "sha256"):
        value = getattr(rulebook, attr, None)
        if isinstance(value, str) and value:
            return value
    return hashlib.sha256(repr(rulebook).encode()).hexdigest()[:16]


def index_name(index: Any, settings: Settings) -> str:
    """'collection@generation' (what the index holds), for the decision log."""
    name = getattr(getattr(index, "collection", None), "name", None) or settings.collection
    generation = getattr(getattr(index, "chunks", None), "generation", None)
    return f"{name}@{generation}" if isinstance(generation, str) and generation else str(name)


@contextmanager
def _index_failures() -> Iterator[None]:
    """A vector store failing at query time is a corrupt index (the CLI exits 3)."""
    from chromadb.errors import ChromaError

    from index.errors import IndexCorruptError

    try:
        yield
    except ChromaError as exc:
        raise IndexCorruptError(f"searching the index failed ({type(exc).__name__}: "
                                f"{str(exc)[:200]}); rebuild it with `regbot ingest --rebuild PATH`"
                                ) from exc


RETRIEVAL_POOL = 20  # passages fetched before the per-file cap picks the top k


def diversify(ranked: list[Passage], k: int, per_source: int) -> list[Passage]:
    """The first k passages taking at most `per_source` from each file, topped up in rank
    order when there are too few files; ranks renumbered 1..k."""
    if per_source <= 0:
        picked = ranked[:k]
    else:
        counts: dict[str, int] = {}
        picked, rest = [], []
        for passage in ranked:
            seen = counts.get(passage.chunk.source, 0)
            (picked if seen < per_source else rest).append(passage)
            counts[passage.chunk.source] = seen + 1
        picked = picked[:k]
        if len(picked) < k:  # too few distinct files: fill with the best of the rest
            order = {id(p): i for i, p in enumerate(ranked)}
            picked = sorted(picked + rest[:k - len(picked)], key=lambda p: order[id(p)])
    return [dataclasses.replace(p, rank=i) for i, p in enumerate(picked, start=1)]


def about_other_countries(text: str, destination: str | None) -> bool:
    """True when `text` names countries but not the question's destination (the US aside).

    Such a passage (e.g. § 744.21(a)(2), on Belarus and Russia) is retrieved for its words but
    says nothing about the destination asked about, so an answer does not quote it.
    """
    if not destination:
        return False
    named = countries_in(text)
    return bool(named) and destination not in named


def cannot_answer(facts: Facts, verdict: Verdict, relevant: list[Passage], covered: tuple[str, ...]) -> bool:
    """True when regbot cannot answer the question, so the answer abstains and quotes nothing.

    That is a `cannot_determine` that rests on no rule, for a question out of scope, about an
    unknown place or a destination the rulebook does not cover, about an item with no destination,
    or with nothing relevant retrieved. Passages quoted there would look like support for an answer
    the sources do not give (the tariff question showed five § 126.1 quotes). An undecided question
    about a covered country or a term ("What is a military end user?") still shows its passages.
    """
    rules = [r for r in verdict.rule_ids if r != "csl.list"]  # a clean screen decides nothing
    if verdict.status != "cannot_determine" or rules:
        return False  # a verdict, or rules that applied: the answer keeps its evidence
    return bool(not relevant or facts.out_of_scope or facts.unknown_country
                or (facts.destination and facts.destination not in covered)
                or (facts.destination is None and facts.item))


def _ms(start: float) -> float:
    return round((perf_counter() - start) * 1000, 3)


class Answerer:
    """Loads rulebook, index and embedding model once; answers many questions (batch, Slack, eval)."""

    def __init__(self, settings: Settings | None = None, *, rulebook=None, index=None, llm=None):
        self.settings = settings or get_settings()
        if self.settings.retrieval_mode not in RETRIEVAL_MODES:
            raise QuestionError(f"retrieval_mode must be one of {', '.join(RETRIEVAL_MODES)}, "
                                f"not {self.settings.retrieval_mode!r}")
        from bot import rules  # deferred: keeps `import bot.answer` cheap

        self._rules = rules
        self.rulebook = rulebook if rulebook is not None else rules.load_rulebook()
        self.rulebook_version = rulebook_version(self.rulebook)
        if index is None:
            from index.store import open_index

            index = open_index(self.settings)
        self.index = index
        self.index_name = index_name(index, self.settings)
        self._llm, self._llm_problem = llm, None
        if llm is None and self.settings.llm_model:
            self._llm, self._llm_problem = self._create_llm()
        self._chunk_cache: dict[str, list[Chunk]] = {}
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- parts

    def _reviewed(self):
        """The rulebook carrying the open alarms of this home (`regbot sync`), if any."""
        from bot.sync.review import attach

        if self.rulebook is not self.__dict__.get("_attached"):  # set anew since: the new base
            self._base_rulebook = self.rulebook
        self._attached = attach(self._base_rulebook, self.settings)
        return self._attached

    def _create_llm(self) -> tuple[Any, str | None]:
        from bot.llm import LLMUnavailable, create_chat_model

        try:
            return create_chat_model(self.settings), None
        except LLMUnavailable as exc:
            return None, f"language model unavailable ({exc}); deterministic text used"

    def chunks_by_source(self, source: str) -> list[Chunk]:
        """Chunks of one source file, cached (quotes are re-verified against the file anyway)."""
        with self._lock:
            if source not in self._chunk_cache:
                self._chunk_cache[source] = list(self.index.chunks_by_source(source))
            return self._chunk_cache[source]

    def retrieve(self, question: str) -> list[Passage]:
        """The top `search_k` passages, at most `passages_per_source` from any one file.

        One long commentary or fragment file otherwise fills every place; measured on the
        gold set, a cap of one per file drawn from a deeper pool raised recall@5 (docs/evaluation.md).
        """
        k = self.settings.search_k
        pool = self.index.search(question, k=max(RETRIEVAL_POOL, k), mode=self.settings.retrieval_mode)
        return diversify(pool, k, self.settings.passages_per_source)

    def dense_scores(self, question: str, passages: list[Passage]) -> dict[str, float]:
        """Dense cosine of each passage with the question.

        Hybrid and dense search already scored every passage the dense side saw (one
        embedding per question); only BM25-only retrieval needs a dense query here.
        """
        if self.settings.retrieval_mode != "bm25":
            return {p.chunk.key: p.dense_score or 0.0 for p in passages}
        vector = self.index.embedder.embed([question])[0]
        pool = max(4 * self.settings.search_k, 20)
        return dict(self.index.dense_query(vector, pool, None))

    def relevant(self, question: str, passages: list[Passage]) -> list[Passage]:
        """Passages whose dense cosine with the question reaches settings.relevance_threshold."""
        if not passages:
            return []
        scores = self.dense_scores(question, passages)
        return [p for p in passages
                if scores.get(p.chunk.key, 0.0) >= self.settings.relevance_threshold]

    def evidence(self, question: str, verdict: Verdict, passages: list[Passage],
                 destination: str | None = None,
                 facts: Facts | None = None) -> tuple[tuple[Citation, ...], list[str]]:
        from bot.answers.cite import verdict_table_citations

        ruled = rule_citations(verdict, self, claims=claims(verdict, facts) if facts else None)
        tables = verdict_table_citations(verdict)  # the EAR's table rows, re-verified
        spans = [(c.source, c.span) for c in ruled.citations if c.span]
        shown = [p for p in passages if not about_other_countries(p.chunk.text, destination)]
        retrieved = passage_citations(shown, exclude=spans, terms=terms_of(question),
                                      limit=self.settings.search_k)
        return ruled.citations + tables + retrieved.citations, [*ruled.notes, *retrieved.notes]

    # ----------------------------------------------------------------- the answer

    def answer(self, question: str, *, as_of: date | Period | None = None,
               context: Facts | None = None,
               overrides: dict[str, str] | None = None, front_end: str = "cli",
               user_id: str | None = None, log: bool | None = None) -> Answer:
        start = perf_counter()
        self.rulebook = self._reviewed()  # open staleness alarms ride on the rulebook (bot.sync)
        text_q = clean_question(question, self.settings.max_question_chars)
        timings: dict[str, float] = {}

        t = perf_counter()
        stated = as_of if isinstance(as_of, Period) else None  # an --as-of period, not a day
        as_of = None if stated else as_of
        try:
            facts = self._rules.extract_facts(text_q, as_of or date.today(), previous=context,
                                              rulebook=self.rulebook, period=stated)
        except self._rules.FactsError as exc:  # e.g. an impossible date in the question
            raise QuestionError(str(exc)) from exc
        facts = apply_overrides(facts, overrides)
        route = self.route(text_q, facts, context, as_of) if not overrides else None
        if route is not None and route.kind != "determination":
            from bot.answers import respond  # issue 12: facts, timelines, documents, off-topic

            special = respond(self, route, text_q, facts, as_of or date.today(), start)
            if special is not None:
                return self._log(special, front_end, user_id, None) if (
                    self.settings.log_decisions if log is None else log) else special
        verdict = self._rules.evaluate(facts, self.rulebook)
        timings["rules"] = _ms(t)

        t = perf_counter()
        with _index_failures():
            passages = self.retrieve(text_q)
            relevant = self.relevant(text_q, passages)
        timings["retrieve"] = _ms(t)

        t = perf_counter()
        from bot.rules.destinations import covered

        abstained = cannot_answer(facts, verdict, relevant, tuple(covered(self.rulebook)))
        citations, notes = ((), []) if abstained else self.evidence(text_q, verdict, relevant,
                                                                    facts.destination, facts)
        timings["evidence"] = _ms(t)

        text, model, prompt, llm_notes = self._text(text_q, facts, verdict, citations, abstained)
        notes += llm_notes
        if route is not None and route.language is not None:
            notes.append(f"the question looks like {route.language.name}; answered from the "
                         f"destination and item recognised in it")
        timings["total"] = _ms(start)
        answer = Answer(question=text_q, as_of=facts.as_of, facts=facts, verdict=verdict,
                        citations=citations, text=text, timings_ms=timings, abstained=abstained,
                        notes=tuple(notes), model=model, passages=tuple(passages))
        if self.settings.log_decisions if log is None else log:
            answer = self._log(answer, front_end, user_id, prompt)
        return answer

    def route(self, question: str, facts: Facts, context: Facts | None, as_of: date | None):
        """The kind of question (bot.kinds), read from what the question itself states."""
        from bot.answers.documents import publisher_names
        from bot.kinds import classify

        alone = facts if context is None else self._rules.extract_facts(
            question, as_of or date.today(), rulebook=self.rulebook)
        return classify(question, alone, context=context, publishers=publisher_names(self))

    def _text(self, question: str, facts: Facts, verdict: Verdict, citations: tuple[Citation, ...],
              abstained: bool) -> tuple[str, str | None, str | None, list[str]]:
        """(text, model, prompt, notes): checked LLM phrasing when configured, else templates."""
        deterministic = abstain_text(facts, verdict) if abstained else compose_text(facts, verdict, citations)
        if abstained:
            return deterministic, None, None, []
        if self._llm is None:
            return deterministic, None, None, [self._llm_problem] if self._llm_problem else []
        from bot.llm import model_name, phrase

        phrasing = phrase(self._llm, question, facts, verdict, citations)
        if phrasing.text is None:
            return deterministic, None, phrasing.prompt, [f"{phrasing.problem}; deterministic text used"]
        name = model_name(self.settings) if self.settings.llm_model else type(self._llm).__name__
        return phrasing.text, name, phrasing.prompt, []

    def _log(self, answer: Answer, front_end: str, user_id: str | None, prompt: str | None) -> Answer:
        from bot.decision_log import DecisionLogError, log_answer

        try:
            log_id = log_answer(answer, front_end=front_end, user_id=user_id, settings=self.settings,
                                rulebook_version=self.rulebook_version, index_name=self.index_name,
                                prompt=prompt)
        except DecisionLogError as exc:
            return dataclasses.replace(answer, notes=(*answer.notes, f"not logged: {exc}"))
        return dataclasses.replace(answer, log_id=log_id)


_DEFAULT: dict[str, Answerer] = {}


def default_answerer(settings: Settings | None = None) -> Answerer:
    """One cached Answerer per settings (hash + data folder)."""
    settings = settings or get_settings()
    key = f"{settings.settings_hash()}:{settings.home}"
    if key not in _DEFAULT:
        _DEFAULT.clear()
        _DEFAULT[key] = Answerer(settings)
    return _DEFAULT[key]


def answer_question(question: str, *, as_of: date | None = None, context: Facts | None = None,
                    **kwargs: Any) -> Answer:
    """Answer one question with the cached default Answerer (see Answerer.answer for kwargs)."""
    settings = kwargs.pop("settings", None)
    return default_answerer(settings).answer(question, as_of=as_of, context=context, **kwargs)


# --------------------------------------------------------------------------- JSON contract


def citation_json(c: Citation) -> dict[str, Any]:
    return {"key": c.key, "source": c.source, "locator": c.locator, "citation": c.citation,
            "quote": c.quote, "rule_ids": list(c.rule_ids), "url": c.url,
            "trust": c.trust, "label": c.label, "flags": list(c.flags)}


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """The JSON answer contract (issue 4); Slack and eval read the same fields."""
    v = answer.verdict
    return {
        "question": answer.question,
        "as_of": answer.as_of.isoformat(),
        "facts": answer.facts.contract_dict(),
        "verdict": {
            "status": v.status,
            "reasons": list(v.reasons),
            "branches": [b.to_dict() for b in v.branches],
            "missing_facts": list(v.missing_facts),
            "clarifying_questions": list(v.clarifying_questions),
            "rule_ids": list(v.rule_ids),
            "unverified": list(v.unverified),
            "screening": v.to_dict()["screening"],  # the list date screened and every hit
            "trace": v.to_dict()["trace"],  # every rule value read: id, value, dates, citation
        },
        "citations": [citation_json(c) for c in answer.citations],
        "text": answer.text,
        "timings_ms": {k: answer.timings_ms.get(k, 0.0) for k in ("total", "retrieve", "rules")},
        "abstained": answer.abstained,
        "notes": list(answer.notes),
        "model": answer.model,
        "log_id": answer.log_id,
        "kind": answer.kind,
        **_brief_json(answer),
    }


def _brief_json(answer: Answer) -> dict[str, Any]:
    """A determination's short form (bot.brief): `bottom_line` and `brief` (≤3 plain reasons,
    ≤3 quotes, each a sentence of a primary source a shown reason rests on)."""
    if answer.kind != "determination":
        return {}
    from bot.brief import brief

    short = brief(answer)
    return {"bottom_line": short.bottom_line, "brief": short.to_json()}


def dumps(answer: Answer, **extra: Any) -> str:
    """One JSON line (extra keys such as a batch "id" first)."""
    return json.dumps({**extra, **answer_to_json(answer)}, ensure_ascii=False)
