"""Services: its place in the flow, saying plainly that the automation comes later."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Static

from screens.base import WizardScreen
from screens.looks import line


class ServicesScreen(WizardScreen):
    NAME = "services"
    HELP = (
        "Tutorial 'Preparing Your Services': each service's configuration and data move onto the "
        "replicated disk and are linked back (/etc/mail -> /replicated/etc/mail), so the slave starts the "
        "same service with the same data after a failover.\n\n"
        "This step is not built yet. The plan keeps its place and reports it as 'not implemented yet'; "
        "nothing is moved. The services listed come from [recipes] enabled in the answers file."
    )

    def body(self) -> Iterable[Widget]:
        yield Static(line("Services on the replicated disk", "bold"), classes="title")
        yield Static(line("Not built yet: this step comes with the services work.", "bold $text-warning"))
        yield Static(id="recipes")
        yield Static(line("The plan keeps this step's place and reports it as not implemented; nothing "
                          "is moved. Until then, move a service by hand as the tutorial shows: its config "
                          "and data onto /replicated, with symlinks back.", "$text-muted"))

    def load(self) -> None:
        chosen = self.st.raw["recipes"].get("enabled") or []
        names = ", ".join(map(str, chosen)) if chosen else "none chosen"
        self.say("#recipes", f"Services in your answers: {names}.")

    def prefixes(self) -> list[str]:
        return ["recipes."]
