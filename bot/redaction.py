"""Secrets out of the decision log: configured values, and well-known token shapes by pattern.

Only configured secrets were redacted before, so a Slack token, an OpenAI key or an AWS key
pasted into a question was stored in clear (issue 14). The patterns below follow the token
formats the vendors document (and that secret scanners such as gitleaks and detect-secrets
match); each has a test with a real-shaped sample. No pattern matches a quote or a
backslash, so redacting inside a JSON-encoded field keeps it valid JSON.
"""
from __future__ import annotations

import re

REDACTED = "[redacted]"

# (name, pattern); where a group 1 exists only it is replaced ("password=[redacted]").
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(rx)) for name, rx in (
    # Slack: bot/user/app-level tokens (xoxb-, xoxp-, xoxa-, xoxs-, xoxr-, xoxe-), app tokens
    # (xapp-1-...), and incoming-webhook URLs.
    ("slack_token", r"\bxox[abposre](?:\.[A-Za-z0-9]+)?-[A-Za-z0-9-]{8,}"),
    ("slack_app_token", r"\bxapp-\d-[A-Za-z0-9-]{8,}"),
    ("slack_webhook", r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{8,}"),
    # OpenAI (sk-..., sk-proj-..., sk-svcacct-..., sk-admin-...) and Anthropic (sk-ant-api03-...).
    ("openai_anthropic_key", r"\bsk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}"),
    # AWS access key ids; a secret access key after an id or after its variable name.
    ("aws_secret_after_id", r"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}[\s,;:|/]{1,3}"
                            r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"),
    ("aws_secret_key", r"(?i)aws.{0,20}?(?:secret|key).{0,20}?[=:\s]\s*([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"),
    ("aws_access_key_id", r"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b"),
    # GitHub and Google API keys.
    ("github_token", r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    ("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}"),
    # JSON Web Tokens: base64url header.payload.signature, header starting {" = eyJ.
    ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    # Authorization headers: Bearer / Basic credentials (a bearer token has a digit, so
    # "bearer certificates" stays as it is).
    ("bearer", r"(?i)\bbearer\s+(?=[A-Za-z0-9._~+/-]*\d)([A-Za-z0-9._~+/-]{16,}=*)"),
    ("basic_auth", r"(?i)\bauthorization\s*:\s*basic\s+([A-Za-z0-9+/]{8,}={0,2})"),
    # password=..., passwd: ..., api_key=..., client_secret=..., token=..., secret=...
    ("assignment", r"(?i)\b(?:password|passwd|pwd|passphrase|api[_-]?key|apikey|secret[_-]?key|"
                   r"client[_-]?secret|access[_-]?token|auth[_-]?token|private[_-]?key)"
                   r"\s*[:=]\s*(?:\\?[\"'])?([^\s\"'\\,;]{3,})"),
    ("assignment_eq", r"(?i)\b(?:token|secret|pass)\s*=\s*(?:\\?[\"'])?([^\s\"'\\,;]{3,})"),
    # user:password@host in a URL.
    ("url_credentials", r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/:@\"'\\]+:([^\s/@\"'\\]+)@"),
    # PEM private keys (inside JSON the newlines are \n escapes, hence the lazy match).
    ("private_key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
))


def _replace(match: re.Match[str]) -> str:
    if match.re.groups:
        start, end = match.span(1)
        offset = match.start()
        text = match.group(0)
        return text[:start - offset] + REDACTED + text[end - offset:]
    return REDACTED


def redact_patterns(text: str) -> str:
    """`text` with every token-shaped secret replaced by [redacted]."""
    for _, pattern in PATTERNS:
        text = pattern.sub(_replace, text)
    return text


def redact(text: str | None, secrets: list[str]) -> str | None:
    """Configured secret values first (longest first), then the patterns."""
    if text is None:
        return None
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return redact_patterns(text)
