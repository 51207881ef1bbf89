"""ha-wizard recover-split-brain: DRBD's documented manual recovery, after the typed name of the node whose
changes are discarded (headless: --confirm NODE)."""

from __future__ import annotations

import argparse

from wizard.cli.commands.common import add_confirm, add_connection, add_journal_answers

NAME = "recover-split-brain"
HELP = "after a split-brain: discard one node's changes (named, typed) and resync it from the other"


def configure(p: argparse.ArgumentParser) -> None:
    add_journal_answers(p)
    add_connection(p)
    add_confirm(p)
    p.add_argument("--discard", metavar="NODE",
                   help="the node whose changes are discarded (default: the one that was not serving)")


def run(args: argparse.Namespace) -> int:
    import sys

    from wizard.cli.commands.common import answers_or_journal
    from wizard.cli.confirm import headless_or_typed
    from wizard.cli.show import options_from
    from wizard.flow.recovery import recover

    interactive = sys.stdin.isatty() and not args.yes
    confirm = headless_or_typed(args.confirm, interactive=interactive)
    return recover(answers_or_journal(args), options_from(args, dry_run=False), confirm=confirm,
                   discard=args.discard, say=lambda s: print(s, flush=True))
