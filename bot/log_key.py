"""The decision log's HMAC key and its head record.

Without a key, anyone who can write `decisions.sqlite` can edit a row and recompute every
hash after it (issue 14). Each row's MAC is HMAC-SHA256(key, previous MAC : row hash), so
a change needs the key. The key comes from `REGBOT_LOG_KEY`, else from a key file that is
never inside the database: `REGBOT_LOG_KEY_FILE`, by default `<REGBOT_HOME>-log.key` beside
the home folder. A missing file is generated on first use (32 random bytes, mode 0600)
with a warning, since losing it means the log can no longer be verified.

The head record (`decisions.head.json`, rewritten with every row) holds the row count and
last MAC, signed with the key: deleting the last rows and lowering `sqlite_sequence` no
longer goes unnoticed. `regbot log checkpoint` prints the same head to keep elsewhere.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.settings import Settings

GENESIS_MAC = "0" * 64
MIN_ENV_KEY_CHARS = 16
HEAD_FILE = "decisions.head.json"
_WARNED: set[str] = set()


class LogKeyError(RuntimeError):
    """No usable key (unreadable or too short); the message says what to set."""


@dataclass(frozen=True)
class LogKey:
    """The secret and where it came from (an env var name or a file path)."""

    secret: bytes
    source: str

    @property
    def key_id(self) -> str:
        """A fingerprint that names the key without revealing it."""
        return hmac.new(self.secret, b"regbot decision log key id", hashlib.sha256).hexdigest()[:16]

    def mac(self, prev_mac: str, row_hash: str) -> str:
        """The chained MAC of one row."""
        return hmac.new(self.secret, f"{prev_mac}:{row_hash}".encode("ascii"),
                        hashlib.sha256).hexdigest()

    def head_sig(self, rows: int, last_id: int, mac: str) -> str:
        return hmac.new(self.secret, f"head:{rows}:{last_id}:{mac}".encode("ascii"),
                        hashlib.sha256).hexdigest()


def key_path(settings: Settings) -> Path:
    """The key file: REGBOT_LOG_KEY_FILE, else `<home>-log.key` next to the home folder."""
    if settings.log_key_file is not None:
        return Path(settings.log_key_file).expanduser()
    home = Path(settings.home).expanduser().resolve()
    return home.parent / f"{home.name}-log.key"


def _warn(message: str) -> None:
    if message not in _WARNED:
        _WARNED.add(message)
        print(f"regbot: warning: {message}", file=sys.stderr)


def _read_key_file(path: Path) -> LogKey:
    try:
        text = path.read_text(encoding="ascii").strip()
        secret = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise LogKeyError(f"decision-log key file {path} is unreadable ({exc}); restore it from "
                          "your backup, or set REGBOT_LOG_KEY") from exc
    if len(secret) < 16:
        raise LogKeyError(f"decision-log key file {path} holds fewer than 16 bytes")
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        _warn(f"decision-log key file {path} is readable by others; run chmod 600 {path}")
    return LogKey(secret, str(path))


def _create_key_file(path: Path) -> None:
    """Write a new random key atomically (link of a complete temp file), 0600; a key another
    process created meanwhile wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return
    finally:
        tmp.unlink(missing_ok=True)
    _warn(f"no decision-log key was configured: generated one at {path} (mode 0600). Keep a copy "
          "somewhere else — without it `regbot log verify` cannot check the log — or set "
          "REGBOT_LOG_KEY / REGBOT_LOG_KEY_FILE.")


def load_key(settings: Settings, *, create: bool) -> LogKey | None:
    """REGBOT_LOG_KEY, else the key file; with `create`, a missing file is generated.
    None when there is no key and `create` is false."""
    if settings.log_key is not None:
        value = settings.log_key.get_secret_value()
        if len(value) < MIN_ENV_KEY_CHARS:
            raise LogKeyError(f"REGBOT_LOG_KEY must be at least {MIN_ENV_KEY_CHARS} characters")
        return LogKey(value.encode("utf-8"), "REGBOT_LOG_KEY")
    path = key_path(settings)
    if not path.exists():
        if not create:
            return None
        _create_key_file(path)
    return _read_key_file(path)


# --------------------------------------------------------------------------- head record


def head_path(log_path: Path) -> Path:
    return log_path.with_name(HEAD_FILE)


def write_head(log_path: Path, key: LogKey, rows: int, last_id: int, mac: str) -> None:
    """Replace the head record atomically (called inside the append transaction)."""
    record = {"rows": rows, "last_id": last_id, "mac": mac, "key_id": key.key_id,
              "sig": key.head_sig(rows, last_id, mac)}
    target = head_path(log_path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, target)


def read_head(log_path: Path) -> dict[str, Any] | None:
    """The head record, None when absent; a record that is not JSON raises ValueError."""
    try:
        text = head_path(log_path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data
