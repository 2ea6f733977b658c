"""The top-level `regbot` entry point: bad configuration is a clear usage error in every command."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("args", [["eval", "tests/gold"], ["search", "7A994"], ["log"]])
def test_bad_setting_is_exit_2_without_traceback(args, regbot_home):
    env = {**os.environ, "REGBOT_SEARCH_K": "not-a-number"}
    done = subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "search_k" in done.stderr and "Traceback" not in done.stderr


def test_bad_config_file_is_exit_2(regbot_home, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("search_k = [unclosed", encoding="utf-8")
    env = {**os.environ, "REGBOT_CONFIG": str(config)}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "search", "7A994"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and str(config) in done.stderr and "Traceback" not in done.stderr


def test_nearest_rank_percentile():
    from bot.stats import percentile

    values = [float(i) for i in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0
    assert percentile([3.0, 1.0, 2.0], 100) == 3.0 and percentile([7.0], 95) == 7.0
