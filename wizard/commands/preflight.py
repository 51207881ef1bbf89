"""ha-wizard preflight (placeholder until its issue lands)."""

from __future__ import annotations

import argparse

NAME = "preflight"
HELP = "preflight (not built yet)"


def configure(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from wizard.errors import WizardError

    raise WizardError("'preflight' is not built yet")
