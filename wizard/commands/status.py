"""ha-wizard status (placeholder until its issue lands)."""

from __future__ import annotations

import argparse

NAME = "status"
HELP = "status (not built yet)"


def configure(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from wizard.errors import WizardError

    raise WizardError("'status' is not built yet")
