"""ha-wizard apply: run the plan on both nodes (or --dry-run: show it with diffs, change nothing)."""

from __future__ import annotations

import argparse

from wizard.cli.commands.common import add_answers, add_confirm, add_connection

NAME = "apply"
HELP = "run every step on the master and the peer (--dry-run shows what would change)"


def configure(p: argparse.ArgumentParser) -> None:
    add_answers(p)
    add_connection(p)
    add_confirm(p)
    p.add_argument("--dry-run", action="store_true", help="show every command and file diff; change nothing")
    p.add_argument("--offline", action="store_true", help="with --dry-run: contact no node, not even this one")
    p.add_argument("--verbose", "-v", action="store_true", help="show each command's output")


def run(args: argparse.Namespace) -> int:
    if args.dry_run:
        from wizard.cli.show import show_plan

        return show_plan(args, dry_run_header=True)
    from wizard.cli.headless import run_headless

    return run_headless(args, args.answers)
