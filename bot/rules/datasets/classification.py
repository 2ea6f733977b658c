"""What an item is classified as: a CCL ECCN (with or without a paragraph), EAR99, or a
USML category I-XXI. `parse_classification` normalises the ways people write them and
refuses anything else with a message that says what is accepted."""
from __future__ import annotations

import re
from dataclasses import dataclass

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
         "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI")
_ECCN = re.compile(r"^(\d[A-E]\d{3})((?:\.[a-z0-9]+)*)$", re.IGNORECASE)
_EAR99 = re.compile(r"^EAR\s*-?\s*99$", re.IGNORECASE)
_USML = re.compile(r"^(?:USML\s*)?(?:(?:Category|Cat\.?)\s*)?([IVXLivxl]+)((?:\s*\([a-z0-9]+\))*)$",
                   re.IGNORECASE)
ACCEPTED = ("an ECCN of the Commerce Control List with or without a paragraph (3A001, "
            "3A001.b.2, 9A610.x), EAR99, or a USML category I-XXI (\"USML XI\", "
            "\"Category VIII(h)\")")


class ClassificationError(ValueError):
    """Input that names no classification regbot can read."""


@dataclass(frozen=True)
class Classification:
    """kind: "eccn" | "ear99" | "usml". `text` is the normalised form ("3A001.b.2",
    "EAR99", "USML XI(a)"); `paragraph` is ECCN-relative ("b.2") or None."""
    kind: str
    text: str
    eccn: str | None = None
    paragraph: str | None = None
    usml_category: str | None = None

    @property
    def is_ccl(self) -> bool:
        return self.kind == "eccn"


def parse_classification(text: str, known_eccns=None, ecfr_date: str = "") -> Classification:
    """"3a001.B.2" -> 3A001.b.2; "ECCN 7A994"; "EAR 99" -> EAR99; "Cat. viii(h)" ->
    USML VIII(h). With `known_eccns`, an ECCN not on the CCL is refused too."""
    raw = " ".join(str(text).split()).strip().rstrip(".")
    value = re.sub(r"^ECCN:?\s*", "", raw, flags=re.IGNORECASE)
    if not value:
        raise ClassificationError(f"no classification given; give {ACCEPTED}")
    if _EAR99.match(value):
        return Classification("ear99", "EAR99")
    if m := _ECCN.match(value):
        eccn, para = m.group(1).upper(), m.group(2).lstrip(".").lower() or None
        if known_eccns is not None and eccn not in known_eccns:
            when = f" of {ecfr_date}" if ecfr_date else ""
            raise ClassificationError(f"{eccn} is not an ECCN on the Commerce Control List"
                                      f"{when}; give {ACCEPTED}")
        return Classification("eccn", eccn + (f".{para}" if para else ""), eccn, para)
    if re.match(r"^(?:USML|Cat(?:egory|\.)?)\b", value, re.IGNORECASE) and \
            (m := _USML.match(value)):
        roman = m.group(1).upper()
        if roman not in ROMAN:
            raise ClassificationError(f"USML category {roman} does not exist (I-XXI); "
                                      f"give {ACCEPTED}")
        paras = "".join(f"({p.lower()})" for p in re.findall(r"\(([a-z0-9]+)\)", m.group(2),
                                                                re.IGNORECASE))
        return Classification("usml", f"USML {roman}{paras}", usml_category=roman)
    raise ClassificationError(f"cannot read {raw!r} as a classification; give {ACCEPTED}")
