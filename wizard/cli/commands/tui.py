"""The interactive wizard (Textual). Imported only when no subcommand is given."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    try:
        from screens.app import run_app
    except ImportError:
        from wizard.errors import WizardError

        raise WizardError("the interactive wizard is not built yet: use `ha-wizard plan --answers FILE` and "
                          "`ha-wizard apply --answers FILE`") from None
    return run_app(dry_run=args.dry_run, answers=args.answers, journal_dir=args.journal_dir)
