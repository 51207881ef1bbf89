"""ha-wizard plan: every step, command and file, per host in order. Changes nothing."""

from __future__ import annotations

import argparse

from wizard.cli.commands.common import add_answers, add_connection

NAME = "plan"
HELP = "show every step, command and file the wizard would run or write (changes nothing)"


def configure(p: argparse.ArgumentParser) -> None:
    add_answers(p)
    add_connection(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--offline", action="store_true", help="contact no node at all, not even this machine")


def run(args: argparse.Namespace) -> int:
    from wizard.cli.show import show_plan

    return show_plan(args, dry_run_header=False)
