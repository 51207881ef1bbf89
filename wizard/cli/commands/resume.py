"""ha-wizard resume: continue an interrupted apply after re-checking the real state of both nodes."""

from __future__ import annotations

import argparse

from wizard.cli.commands.common import add_confirm, add_connection

NAME = "resume"
HELP = "continue an interrupted setup where it stopped (re-checks both nodes first)"


def configure(p: argparse.ArgumentParser) -> None:
    add_connection(p)
    add_confirm(p)
    p.add_argument("--answers", "-a", metavar="FILE", help="answers file (default: the one the journal names)")
    p.add_argument("--verbose", "-v", action="store_true", help="show each command's output")


def run(args: argparse.Namespace) -> int:
    from wizard.cli.headless import run_headless
    from wizard.core.spec import SECTIONS
    from wizard.flow.runner import journal_answers

    journal_dir = args.journal_dir or SECTIONS["wizard"]["journal_dir"]
    answers = args.answers or journal_answers(journal_dir)
    return run_headless(args, answers, resuming=True)
