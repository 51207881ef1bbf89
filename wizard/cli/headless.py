"""The headless apply/resume loop with a rich display."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from wizard.cli.confirm import headless_or_typed
from wizard.cli.show import options_from
from wizard.core.events import EventBus
from wizard.errors import WizardError
from wizard.flow.runner import apply, prepare
from wizard.flow.session import open_session
from wizard.output.console import EventPrinter


def _ask_host_key(label: str, prints: list[str]) -> bool:
    print(f"{label} is a new SSH host. Its key fingerprints:", file=sys.stderr)
    for p in prints:
        print(f"    {p}", file=sys.stderr)
    try:
        return input("Trust this host key? Type yes to accept: ").strip() == "yes"
    except EOFError:
        return False


def run_headless(args: argparse.Namespace, answers: str, *, resuming: bool = False) -> int:
    interactive = sys.stdin.isatty() and not args.yes
    opts = options_from(args, dry_run=False)
    if interactive:
        opts.ask_host_key = _ask_host_key
    console = Console(stderr=False, highlight=False)
    session = open_session(answers, opts)
    printer = EventPrinter(console, session.redactor, Path(session.journal_dir) / "ha-wizard.log",
                           verbose=getattr(args, "verbose", False))
    try:
        prepared = prepare(session)
        if resuming and prepared.journal.exists:
            last = prepared.journal.last_stop()
            if last:
                sid, rec = last
                console.print(f"Resuming: the last run stopped at [bold]{sid}[/] ({rec.status}"
                              f"{': ' + rec.detail.splitlines()[0] if rec.detail else ''}). "
                              "Each step is checked on the hosts before it is skipped.", highlight=False)
        if prepared.change_note():
            console.print(prepared.change_note(), markup=False, highlight=False)
        bus = EventBus()
        bus.subscribe(printer)
        confirm = headless_or_typed(args.confirm, interactive=interactive,
                                    say=lambda s: console.print(s, markup=False, highlight=False))
        try:
            summary = apply(session, prepared, confirm=confirm, bus=bus)
        except WizardError:
            # the error's sentence follows (printed by main); the time spent is said here, as on success
            console.print(f"\nStopped; {printer.summary()}.", highlight=False, markup=False)
            raise
    finally:
        printer.close()
        session.close()
    console.print(f"\nDone: {len(summary.done)} steps run, {len(summary.skipped)} already in place"
                  + (f", {len(summary.not_implemented)} not implemented yet: "
                     + ", ".join(summary.not_implemented) if summary.not_implemented else "")
                  + f"; {printer.summary()}.", highlight=False, markup=False)
    return 0
