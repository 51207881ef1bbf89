"""Consent for destructive steps: typed at the terminal, or given up front with --confirm when headless."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

from wizard.core.actions import Confirm

Confirmer = Callable[[Confirm, str], bool]


def headless_or_typed(tokens: Iterable[str], *, interactive: bool,
                      ask: Callable[[str], str] = input, say: Callable[[str], None] | None = None) -> Confirmer:
    given = {t.strip() for t in tokens}
    speak = say or (lambda s: print(s, file=sys.stderr))

    def confirm(c: Confirm, host: str) -> bool:
        if c.token in given:
            speak(f"confirmed by --confirm {c.token}: {c.message}")
            return True
        if not interactive:
            return False
        speak(f"\n!! {c.message}.\n   This cannot be undone.")
        try:
            typed = ask(f"   Type '{c.token}' to go ahead (anything else stops): ")
        except EOFError:
            return False
        return typed.strip() == c.token

    return confirm
