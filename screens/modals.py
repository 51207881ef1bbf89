"""Modal questions: help, typed confirmation of destructive steps, host keys, the peer's password, a
failed step, and quitting."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from screens.looks import compact, line


class _Modal(ModalScreen[Any]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    CANCEL: Any = None
    ready = False  # composed and shown (tests wait on it)

    def on_mount(self) -> None:
        compact(self)
        self.call_after_refresh(setattr, self, "ready", True)

    def action_cancel(self) -> None:
        self.dismiss(self.CANCEL)


class HelpModal(_Modal):
    BINDINGS = [Binding("escape,f1,question_mark,enter", "cancel", "Close help")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title, self._text = title, text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(line(f"Help: {self._title}", "bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(line(self._text.strip() + "\n\nKeys: Tab moves between fields, Enter presses a "
                                  "button, Ctrl+N goes on, Esc goes back, Ctrl+T switches light/dark, "
                                  "Ctrl+Q quits (the journal is kept)."))
            yield Button("Close (Esc)", id="close")

    def on_mount(self) -> None:
        self.query_one(".dialog-body").focus()  # arrows and PageDown scroll the help at once

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)


class ConfirmModal(_Modal):
    """A destructive action: it goes ahead only when the admin types the exact token (device or node)."""

    CANCEL = False

    def __init__(self, token: str, message: str, host: str, *, title: str = "",
                 after: str = "This cannot be undone.") -> None:
        super().__init__()
        self.token, self.message, self.host = token, message, host
        self.title_text = title or f"Destructive step on {host}"
        self.after = after  # what the admin should know besides (a drill: how to move everything back)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog danger"):
            yield Static(line(self.title_text, "bold $text-error"), classes="dialog-title")
            yield Static(line(f"{self.message}.\n{self.after}"))
            yield Static(line(f"Type '{self.token}' to go ahead, or press Esc to stop:"))
            yield Input(placeholder=self.token, id="token")
            yield Static(id="confirm-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Go ahead", id="yes", variant="error")
                yield Button("Stop", id="no")

    def _try(self) -> None:
        typed = self.query_one("#token", Input).value.strip()
        if typed == self.token:
            self.dismiss(True)
        else:
            self.query_one("#confirm-error", Static).update(
                line(f"you typed '{typed}': type exactly '{self.token}', or press Esc to stop", "$text-error"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._try()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self._try()
        else:
            self.dismiss(False)


class HostKeyModal(_Modal):
    CANCEL = False

    def __init__(self, label: str, prints: list[str]) -> None:
        super().__init__()
        self.label, self.prints = label, prints

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(line(f"{self.label} is a new SSH host", "bold $text-warning"), classes="dialog-title")
            yield Static(line("Its host key fingerprints:\n" + "\n".join(f"  {p}" for p in self.prints)))
            yield Static(line("On the peer, `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints its own. "
                              "Trust the key only if they match: otherwise another machine answers.", "$text-muted"))
            with Horizontal(classes="dialog-buttons"):
                yield Button("They match: trust", id="yes", variant="warning")
                yield Button("Do not trust", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class PasswordModal(_Modal):
    """The peer's password, typed once: handed to ssh-copy-id's pty, never stored."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(line(f"Install this machine's SSH key on {self.target}", "bold"), classes="dialog-title")
            yield Static(line("Type the peer's password once. It goes straight to ssh-copy-id and is not "
                              "kept, logged or saved in the answers file.", "$text-muted"))
            yield Input(password=True, placeholder="password", id="password")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Install key", id="yes", variant="primary")
                yield Button("Cancel", id="no")

    def _done(self) -> None:
        box = self.query_one("#password", Input)
        pw, box.value = box.value, ""
        self.dismiss(pw or None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._done()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self._done()
        else:
            self.dismiss(None)


class FailureModal(_Modal):
    """What failed, its output and the fix; retry, skip (only where safe) or quit to resume later."""

    CANCEL = "stay"

    def __init__(self, what: str, message: str, output: str, can_skip: bool, can_retry: bool = True) -> None:
        super().__init__()
        self.what, self.message, self.output = what, message, output
        self.can_skip, self.can_retry = can_skip, can_retry

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide danger"):
            yield Static(line(f"Failed: {self.what}", "bold $text-error"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(line(self.message))
                if self.output.strip():
                    yield Static(line("Output:", "bold"))
                    yield Static(line(self.output.rstrip()), classes="output")
            with Horizontal(classes="dialog-buttons"):
                if self.can_retry:
                    yield Button("Retry", id="retry", variant="primary")
                if self.can_skip:
                    yield Button("Skip this step", id="skip")
                yield Button("Quit, resume later", id="quit", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)


class QuitModal(_Modal):
    CANCEL = False

    def __init__(self, journal_dir: str, running: str) -> None:
        super().__init__()
        self.journal_dir, self.running = journal_dir, running

    def compose(self) -> ComposeResult:
        now = (f"'{self.running}' is running: it stops at its next report, and the journal records where. "
               if self.running else "")
        with Vertical(classes="dialog"):
            yield Static(line("Quit ha-wizard?", "bold"), classes="dialog-title")
            yield Static(line(f"{now}The journal in {self.journal_dir} is kept: start ha-wizard again (or "
                              "`ha-wizard resume`) and it offers to continue where you stopped."))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Quit", id="yes", variant="error")
                yield Button("Stay", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
