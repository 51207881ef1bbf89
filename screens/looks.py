"""How every screen and modal looks: plain styled lines, and compact widgets that fit 80x24."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input


def line(text: str, style: str = "") -> Content:
    """Plain text (never markup: node output and file names may hold brackets), optionally styled with a
    theme variable such as ``$error``, so it stays readable on light and dark themes."""
    return Content.styled(text, style) if style else Content(text)


def compact(screen: Screen[Any]) -> None:
    """One-line inputs, buttons and selects: every screen must fit 80x24."""
    for w in screen.query("Input, Button, Select"):
        w.compact = True  # type: ignore[attr-defined]
        if screen.app.is_headless and isinstance(w, Input):
            w.cursor_blink = False  # tests and snapshots see the same frame every time
