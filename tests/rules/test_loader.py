"""The strict rulebook loader, the packaged rulebook's references, and its version hash."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.rules import RulebookError, load_rulebook
from bot.rules.loader import RULEBOOK_DIR, read_rulebook

BROKEN = Path(__file__).with_name("broken")

# file -> words the error must contain (besides the file name)
BROKEN_CASES = {
    "unknown_key.yaml": ["test.unknown_key", "unknown key", "valid_untill", "line"],
    "bad_date.yaml": ["test.bad_date", "bad 'from' date", "2025-02-30"],
    "until_before_from.yaml": ["test.until_before_from", "before 'from'"],
    "overlap.yaml": ["test.overlap", "overlapping periods"],
    "open_overlap.yaml": ["test.open_overlap", "overlapping periods"],
    "no_citation.yaml": ["test.no_citation", "no citation"],
    "source_without_quote.yaml": ["test.source_without_quote", "no quote"],
    "no_verified.yaml": ["test.no_verified", "verified"],
    "duplicate_id.yaml": ["test.duplicate", "duplicate rule id"],
    "unknown_top_level.yaml": ["unknown key", "rulez"],
    "not_yaml.yaml": ["cannot read"],
    "duplicate_key.yaml": ["duplicate key", "until", "line 5"],
    "misspelt_value.yaml": ["itar.126_1.KH", "'listd'", "listed, not_listed"],
    "country_list_not_a_list.yaml": ["ear.744_21.group2", "list of ISO 3166", "'BY RU'"],
    "bad_eccn_list.yaml": ["ear.at_only.eccns", "list of ECCNs", "9a991x"],
    "unknown_exception.yaml": ["test.unknown_exception", "exceptions", "humanitarian demining"],
    "candidate_without_classification.yaml": ["test item", "no classification", "line"],
    "item_word_twice.yaml": ["test instruments", "flight instruments", "also claimed"],
}


def test_every_broken_file_has_a_case():
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(BROKEN_CASES)


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
def test_broken_file_is_rejected_naming_file_and_rule(name):
    with pytest.raises(RulebookError) as info:
        load_rulebook(BROKEN / name)
    message = str(info.value)
    assert name in message
    for word in BROKEN_CASES[name]:
        assert word in message, message


def test_packaged_rulebook_loads_and_is_cached():
    first = load_rulebook()
    assert load_rulebook() is first
    assert load_rulebook(RULEBOOK_DIR) is first
    assert len(first.version) == 16 and int(first.version, 16) >= 0
    assert {"KH", "NI", "CN", "RU", "BY", "VE", "MM", "IR", "KP", "CU", "SY"} <= set(
        first.countries())


def test_version_changes_when_a_rule_changes(tmp_path):
    copy = tmp_path / "rulebook"
    shutil.copytree(RULEBOOK_DIR, copy)
    before = read_rulebook(copy).version
    assert read_rulebook(copy).version == before  # deterministic
    path = copy / "itar.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("until: 2025-11-06",
                                                             "until: 2025-11-05"),
                    encoding="utf-8")
    changed = read_rulebook(copy)
    assert changed.version != before
    assert str(changed.rule("itar.126_1.KH").values[1].valid_until) == "2025-11-05"


def test_missing_rulebook_path_is_a_clear_error(tmp_path):
    with pytest.raises(RulebookError, match="no such rulebook"):
        load_rulebook(tmp_path / "nope")
    with pytest.raises(RulebookError, match="no rulebook YAML"):
        load_rulebook(tmp_path)


def _references(rulebook):
    for rule in rulebook.rules.values():
        for value in rule.values:
            yield rule.id, value.source, value.quote, value.verified
    for item in rulebook.items:
        for cand in item.candidates:
            yield f"item {item.id}/{cand.classification}", cand.source, cand.quote, cand.verified


def test_every_quote_is_verbatim_in_its_source_file(corpus_dir):
    """The answers module checks quotes verbatim against the source file; so do we. A source is
    a corpus file name or a path under ../shared (scale/, ear/): read here as raw UTF-8."""
    checked = 0
    for rule_id, source, quote, _ in _references(load_rulebook()):
        if source is None:
            continue
        path = corpus_dir / source if "/" not in source else corpus_dir.parent / source
        assert path.is_file(), f"{rule_id}: source {source} is not under {corpus_dir.parent}"
        assert quote in path.read_text(encoding="utf-8"), f"{rule_id}: quote not verbatim"
        checked += 1
    assert checked >= 70


def test_cambodia_history_is_complete_and_dated():
    rule = load_rulebook().rule("itar.126_1.KH")
    periods = [(str(v.valid_from), str(v.valid_until), v.value) for v in rule.values]
    assert periods == [("1995-01-01", "2021-12-08", "not_listed"),
                       ("2021-12-09", "2025-11-06", "listed"),
                       ("2025-11-07", "None", "not_listed")]
    assert rule.values[1].exceptions == ("humanitarian-demining",)
    assert rule.values[1].citation == "22 CFR 126.1(o)"
