"""The two shared secrets (DRBD's shared-secret, Heartbeat's authkeys key) and their redaction.

They are generated with ``secrets`` (192 bits each), kept beside the Spec rather than in it, and stored in a
root-only state file on the master unless the admin asked to keep them in the answers file. Every path
that shows text to a person or writes a log goes through ``Redactor.redact``.

Corosync's authkey (the Pacemaker stack) is derived from the two (HMAC-SHA512, ``corosync_key``): it needs
no third place to be kept, is the same on every run and both nodes wherever the two are kept, and
reveals neither of them. Corosync wants at least 1024 bits; it gets 2048 bits of hex text.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from wizard.core.spec import SecretsInAnswers
from wizard.errors import WizardError

MASK = "********"
STATE_FILE = "secrets.toml"
_SAFE = re.compile(r"^[A-Za-z0-9._+-]{16,64}$")


@dataclass(frozen=True)
class Secrets:
    shared_secret: str
    authkey: str

    @property
    def corosync_key(self) -> str:
        """Corosync's authkey: 256 hex characters derived from both secrets ("" when there are none)."""
        if not (self.shared_secret or self.authkey):
            return ""
        return "".join(hmac.new(self.authkey.encode(), f"ha-wizard corosync authkey {i}:{self.shared_secret}"
                                .encode(), hashlib.sha512).hexdigest() for i in (1, 2))

    def values(self) -> tuple[str, ...]:
        return tuple(v for v in (self.shared_secret, self.authkey, self.corosync_key) if v)

    def __repr__(self) -> str:  # a stray print of this object must not leak
        return f"Secrets(shared_secret={MASK!r}, authkey={MASK!r})"

    __str__ = __repr__


def generate() -> Secrets:
    return Secrets(shared_secret=secrets.token_hex(24), authkey=secrets.token_hex(24))


def _check(value: str, what: str) -> None:
    if value and not _SAFE.match(value):
        raise WizardError(
            f"the {what} in the answers file must be 16-64 letters, digits or ._+- "
            "(delete it and ha-wizard generates a strong one)"
        )


def resolve(given: SecretsInAnswers, state_dir: str | Path | None) -> tuple[Secrets, bool]:
    """Secrets from the answers, else from the state file, else new ones.

    Returns the secrets and whether they were newly generated (and so need saving on apply).
    """
    _check(given.shared_secret, "drbd.shared_secret")
    _check(given.authkey, "heartbeat.authkey")
    stored = load_state(state_dir) if state_dir else None
    fresh = generate()
    shared = given.shared_secret or (stored.shared_secret if stored else "") or fresh.shared_secret
    auth = given.authkey or (stored.authkey if stored else "") or fresh.authkey
    new = stored is None or shared != stored.shared_secret or auth != stored.authkey
    return Secrets(shared, auth), new


def load_state(state_dir: str | Path) -> Secrets | None:
    f = Path(state_dir) / STATE_FILE
    try:
        raw = tomllib.loads(f.read_text())
    except (FileNotFoundError, PermissionError, tomllib.TOMLDecodeError):
        return None
    return Secrets(str(raw.get("shared_secret", "")), str(raw.get("authkey", "")))


def save_state(state_dir: str | Path, s: Secrets) -> Path:
    """Write the root-only state file atomically (0600 from the first byte)."""
    d = Path(state_dir)
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    f = d / STATE_FILE
    tmp = d / f".{STATE_FILE}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, f'shared_secret = "{s.shared_secret}"\nauthkey = "{s.authkey}"\n'.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, f)
    return f


class Redactor:
    """Replaces every known secret with ``********`` in text meant for people or logs."""

    def __init__(self, values: tuple[str, ...] | list[str] = ()) -> None:
        self._values = sorted({v for v in values if v}, key=len, reverse=True)

    def add(self, *values: str) -> None:
        self._values = sorted({*self._values, *(v for v in values if v)}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for v in self._values:
            if v in text:
                text = text.replace(v, MASK)
        return text

    def __call__(self, text: str) -> str:
        return self.redact(text)
