"""ha-wizard render: write each node's files under DIR/<node>/<absolute path>, for review."""

from __future__ import annotations

import argparse

from wizard.cli.commands.common import add_answers

NAME = "render"
HELP = "write every file the wizard would install, per node, under a folder for review"


def configure(p: argparse.ArgumentParser) -> None:
    add_answers(p)
    p.add_argument("--out", "-o", metavar="DIR", required=True, help="output folder (created)")
    p.add_argument("--journal-dir", metavar="DIR", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from wizard.output.render_dir import render_to_dir

    return render_to_dir(args.answers, args.out, journal_dir=args.journal_dir)
