"""ha-wizard disks (placeholder until its issue lands)."""

from __future__ import annotations

import argparse

NAME = "disks"
HELP = "disks (not built yet)"


def configure(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from wizard.errors import WizardError

    raise WizardError("'disks' is not built yet")
