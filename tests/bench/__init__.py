"""Benchmarks (`make bench`): scripts that print figures, kept out of the installed packages."""
