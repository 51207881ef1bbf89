"""ha-wizard preflight: every requirement checked on both nodes before anything changes (read-only)."""

from __future__ import annotations

import argparse
from typing import Any

from wizard.cli.commands.common import add_answers, add_connection

NAME = "preflight"
HELP = "check both nodes before any change: names, addresses, ports, versions, packages, partitions"


def configure(p: argparse.ArgumentParser) -> None:
    add_answers(p)
    add_connection(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--install", action="store_true",
                   help="install missing packages with each node's package manager, then check again")
    p.add_argument("--dry-run", action="store_true", help="with --install: show the commands, change nothing")


def run(args: argparse.Namespace) -> int:
    import json

    from wizard.cli.show import options_from
    from wizard.flow.session import open_session
    from wizard.nodes.gather import gather_all
    from wizard.preflight import report as pf

    # read-only unless packages are to be installed: dry-run executors refuse every change
    session = open_session(args.answers, options_from(args, dry_run=not args.install or args.dry_run))
    redact = session.redactor
    try:
        facts = gather_all(session.spec, session.executors)
        lines = pf.preflight(session, facts)
        installed = args.install and _install(session, facts, dry_run=args.dry_run,
                                              say=lambda s: print(redact(s)))
        if installed and not args.dry_run:  # check again: the report shows what is true now
            facts = gather_all(session.spec, session.executors)
            lines = pf.preflight(session, facts)
    finally:
        session.close()
    if args.json:
        print(redact(json.dumps(pf.to_json(lines), indent=2, ensure_ascii=False)))
    else:
        _print(lines, redact, f"Preflight of {session.spec.master} and {session.spec.peer_node.name} "
                              f"({session.spec.source}); nothing was changed" if not args.install or args.dry_run
               else f"Preflight of {session.spec.master} and {session.spec.peer_node.name} after installing")
    return 1 if any(ln.status == "fail" for ln in lines) else 0


def _install(session: Any, facts: Any, *, dry_run: bool, say: Any) -> bool:
    """Run (or, dry-run, show) the install steps; True when there was something to install."""
    from wizard.core.actions import Run
    from wizard.errors import StepFailed
    from wizard.preflight.install import install_steps

    steps = install_steps(session.spec, facts)
    if not steps:
        say("Nothing to install: every package is there (or a node could not be asked).")
        return False
    for step in steps:
        ex = session.executors[step.host]
        for action in step.actions:
            assert isinstance(action, Run)  # install steps are made of Run actions only
            say(f"[{step.host}] {'would run' if dry_run else 'running'}: {action.display()}")
            if dry_run:
                continue
            r = ex.run(list(action.argv), env=dict(action.env) or None, timeout=action.timeout)
            if r.rc != 0:
                tail = (r.text.strip().splitlines() or [f"exit {r.rc}"])[-1]
                raise StepFailed(f"{action.display()} failed on {step.host} (exit {r.rc}): {tail}. Fix the package "
                                 "sources or install the packages by hand, then run preflight again")
    return True


def _print(lines: Any, redact: Any, title: str) -> None:
    import sys

    from rich.console import Console

    from wizard.preflight.report import summary

    console = Console(highlight=False, soft_wrap=True)  # long lines wrap in the terminal, not in a pipe
    style = {"pass": "green", "warn": "yellow", "fail": "red"}
    mark = {"pass": "✓", "warn": "!", "fail": "✗"}
    console.print(redact(title), markup=False, style="bold")
    for ln in lines:
        console.print(f"{mark[ln.status]} {redact(ln.what)}", markup=False, style=style[ln.status])
        if ln.fix and ln.status != "pass":
            console.print(f"    fix: {redact(ln.fix)}", markup=False)
    console.print(summary(lines), markup=False, style="bold")
    sys.stdout.flush()
