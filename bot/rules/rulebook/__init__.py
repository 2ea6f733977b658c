"""Rulebook data (YAML). A package only so that the files ship in wheels."""
