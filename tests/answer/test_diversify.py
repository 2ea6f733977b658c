"""The per-file cap on the passages an answer shows."""
from __future__ import annotations

from bot.answer import diversify
from bot.records import Chunk, DocMeta, Passage


def _p(source: str, rank: int) -> Passage:
    chunk = Chunk(key=f"{source}{rank}", doc_id=source, source=source, path=f"/x/{source}",
                  text="t", span=(0, 1), locator=f"{source} ¶{rank}", section=None, heading="",
                  meta=DocMeta(title=source))
    return Passage(chunk=chunk, score=1.0 / rank, rank=rank)


def test_one_passage_per_file_in_rank_order():
    ranked = [_p("a", 1), _p("a", 2), _p("b", 3), _p("a", 4), _p("c", 5), _p("d", 6)]
    got = diversify(ranked, 3, per_source=1)
    assert [p.chunk.key for p in got] == ["a1", "b3", "c5"]
    assert [p.rank for p in got] == [1, 2, 3]


def test_too_few_files_are_topped_up_in_rank_order():
    ranked = [_p("a", 1), _p("a", 2), _p("b", 3), _p("a", 4)]
    got = diversify(ranked, 3, per_source=1)
    assert [p.chunk.key for p in got] == ["a1", "a2", "b3"]


def test_zero_means_no_cap():
    ranked = [_p("a", 1), _p("a", 2), _p("b", 3)]
    assert [p.chunk.key for p in diversify(ranked, 2, per_source=0)] == ["a1", "a2"]


def test_passages_about_other_countries_only_are_not_quoted():
    from bot.answer import about_other_countries

    russia = "Any item subject to the EAR ... in Belarus or Russia, or a Belarusian or Russian user."
    group1 = "in Burma, Cambodia, the People's Republic of China (China), Nicaragua, or Venezuela"
    assert about_other_countries(russia, "KH")
    assert not about_other_countries(group1, "KH")
    assert not about_other_countries("the United States removed the arms embargo", "KH")
    assert not about_other_countries(russia, None)
