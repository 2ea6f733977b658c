"""Clarifying questions, as data: what regbot asks for each fact a verdict is missing."""
from __future__ import annotations

QUESTIONS: dict[str, str] = {
    "destination": "Which country is the item going to (the destination)?",
    "classification": (
        "What is the item, and how is it classified: on the USML (ITAR, e.g. Category XI) or on "
        "the CCL with an ECCN such as 7A994, or EAR99?"),
    "end_use": ("Is the end user civil (e.g. an airline) or military (army, navy, air force, "
                "national police)?"),
    "end_user_kind": (
        "Is the end user part of, or working for, the armed forces, police, border or coast "
        "guard, a ministry of defence or of the interior, or an intelligence service (a military "
        "end user, 15 CFR 744.21(g))? Its name alone does not say."),
    "party": ("Is the buyer the listed entry named above? Give its full legal name and address: "
              "a close match is not cleared until it is told apart from the entry."),
    "period": ("On what date will (or did) the export take place? The rules changed inside the "
               "period asked about, on {changes}."),
    "parties": ("Who is the buyer, and who is the end user (company or organisation names)? "
                "They have not been screened against the Consolidated Screening List."),
}
# When a catalogue item could be several classifications, the question names them.
ITAR_OR_EAR = "Is {what} ITAR-controlled (on the USML: {usml}) or an EAR item such as {ear}{hint}?"
WHICH_ONE = "Which classification does {what} have: {options}?"
# Words that tell a salesperson what an EAR candidate is.
HINTS: dict[str, str] = {"7A994": "civil avionics"}


def question(fact: str) -> str:
    """The question for a missing `fact` (a fact without its own question is the end use)."""
    return QUESTIONS.get(fact, QUESTIONS["end_use"])


def classification_choice(item: str | None, options: list[str]) -> str:
    """Which of the catalogue's candidate classifications the item has."""
    usml = [c for c in options if c.startswith("USML")]
    ear = [c for c in options if not c.startswith("USML")]
    what = f"the item ({item})" if item else "the item"
    if usml and ear:
        hint = next((HINTS[c] for c in ear if c in HINTS), None)
        return ITAR_OR_EAR.format(what=what, usml=", ".join(usml), ear=" or ".join(ear),
                                  hint=f" {hint}" if hint else "")
    return WHICH_ONE.format(what=what, options=", ".join(options))
