"""Heartbeat timing: its place in the flow, saying plainly that the automation comes later.

When the Heartbeat work lands, this screen gains fields; the flow around it stays.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Static

from screens.base import WizardScreen
from screens.looks import line


class HeartbeatScreen(WizardScreen):
    NAME = "heartbeat"
    HELP = (
        "Tutorial Listing 3 (/etc/heartbeat/ha.cf): keepalive is how often the servers greet each other; "
        "deadtime how long silence lasts before the slave takes over; initdead the same at boot; "
        "warntime when a late heartbeat is logged. Too low gives false failovers.\n\n"
        "This step is not built yet: the values from your answers file are kept and shown here, and the "
        "plan reports the Heartbeat steps as 'not implemented yet'."
    )

    def body(self) -> Iterable[Widget]:
        yield Static(line("Heartbeat timing (ha.cf)", "bold"), classes="title")
        yield Static(line("Not built yet: this step comes with the Heartbeat work.", "bold $text-warning"))
        yield Static(id="hb-values")
        yield Static(line("These values are kept in the saved answers, so nothing needs typing again "
                          "when the Heartbeat step arrives.", "$text-muted"))

    def load(self) -> None:
        hb = self.st.raw["heartbeat"]
        keys = ("keepalive", "warntime", "deadtime", "initdead", "udpport", "media", "auto_failback")
        from wizard.core.answers import toml_value

        self.say("#hb-values", "\n".join(f"  {k:<14} {toml_value(hb.get(k, ''))}" for k in keys))

    def prefixes(self) -> list[str]:
        return ["heartbeat."]
