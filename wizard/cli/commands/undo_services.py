"""ha-wizard undo-services: put services back on the local disks of both nodes (--dry-run shows how)."""

from __future__ import annotations

import argparse

from wizard.cli.commands.common import add_confirm, add_connection

NAME = "undo-services"
HELP = "put moved services back on both nodes' own disks, from the replicated copy (--dry-run shows how)"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", metavar="NAME", help="the services to put back (default: every enabled one)")
    p.add_argument("--answers", "-a", metavar="FILE", help="answers file (default: the one the journal names)")
    add_connection(p)
    add_confirm(p)
    p.add_argument("--dry-run", action="store_true", help="show every command it would run; change nothing")
    p.add_argument("--verbose", "-v", action="store_true", help="show each command's output")


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from rich.console import Console

    from wizard.cli.confirm import headless_or_typed
    from wizard.cli.show import options_from
    from wizard.core.events import EventBus
    from wizard.core.spec import SECTIONS
    from wizard.flow.runner import journal_answers
    from wizard.flow.session import open_session
    from wizard.flow.undo import undo, undo_plan, undone_names
    from wizard.output.console import EventPrinter
    from wizard.output.describe import describe_plan, header

    answers = args.answers or journal_answers(args.journal_dir or SECTIONS["wizard"]["journal_dir"])
    session = open_session(answers, options_from(args, dry_run=args.dry_run))
    console = Console(highlight=False)
    try:
        steps = undo_plan(session, args.names)
        if args.dry_run:
            title = "DRY RUN — nothing will be changed. This is what `undo-services` would do:"
            print(describe_plan(steps, session.executors, session.redactor, header(session, title)))
            return 0
        interactive = sys.stdin.isatty() and not args.yes
        printer = EventPrinter(console, session.redactor, Path(session.journal_dir) / "ha-wizard.log",
                               verbose=args.verbose)
        bus = EventBus()
        bus.subscribe(printer)
        try:
            summary = undo(session, steps, bus=bus, confirm=headless_or_typed(
                args.confirm, interactive=interactive, say=lambda s: console.print(s, markup=False)))
        finally:
            printer.close()
    finally:
        session.close()
    names = ", ".join(undone_names(steps))
    stack = "Pacemaker" if session.context is not None and session.context.stack == "pacemaker" else "Heartbeat"
    console.print(f"\nDone: {len(summary.done)} steps run, {len(summary.skipped)} already in place. {names} run "
                  f"from {session.spec.master}'s own disk again, and {stack} no longer starts them. "
                  f"Take them out of [recipes] enabled in {answers}, "
                  "or the next apply moves them onto the replicated disk again; their replicated copy stays under "
                  f"{session.spec.storage.mount_point} until you delete it.", markup=False)
    return 0
