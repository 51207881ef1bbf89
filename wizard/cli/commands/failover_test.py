"""ha-wizard failover-test: the tutorial's last step, measured. --graceful hands everything to the standby
node, --hard asks you to cut the serving node's power, --back fails back to the master; each reports
every phase of the takeover and appends it to <journal dir>/failover-report.md."""

from __future__ import annotations

import argparse

from wizard.cli.commands.common import add_confirm, add_connection, add_journal_answers

NAME = "failover-test"
HELP = "move the disk, address and services to the other node and measure it (--graceful, --hard, --back)"


def configure(p: argparse.ArgumentParser) -> None:
    add_journal_answers(p)
    add_connection(p)
    add_confirm(p)  # a drill takes the service away from the serving node: --confirm NODE (not for --result)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--graceful", dest="mode", action="store_const", const="graceful",
                      help="the serving node hands everything over (hb_standby); both keep running")
    mode.add_argument("--hard", dest="mode", action="store_const", const="hard",
                      help="you cut the serving node's power when told; best run on the node that takes over")
    mode.add_argument("--back", dest="mode", action="store_const", const="back",
                      help="fail back to the master after a drill (auto_failback is off: only on request)")
    mode.add_argument("--result", dest="mode", action="store_const", const="result",
                      help="read back the last --hard drill's measurement (after the wizard's node died)")
    p.add_argument("--no-writes", action="store_true",
                   help="--hard without the writer (sequence-numbered, fsynced, acknowledged records)")
    p.add_argument("--writes", action="store_true", help="run the writer in a --graceful or --back drill too")


def run(args: argparse.Namespace) -> int:
    import sys

    from wizard.cli.commands.common import answers_or_journal
    from wizard.cli.confirm import headless_or_typed
    from wizard.cli.show import options_from
    from wizard.failover.result import Measurement
    from wizard.flow.drill import open_drill

    answers = answers_or_journal(args)
    drill = open_drill(answers, options_from(args, dry_run=False), say=lambda s: print(s, flush=True))
    m: Measurement | None
    try:
        if args.mode == "result":
            m = drill.result()
        else:
            writes = False if args.no_writes else (True if args.writes else None)
            confirm = headless_or_typed(args.confirm, interactive=sys.stdin.isatty() and not args.yes,
                                        say=lambda s: print(s, flush=True))
            m = drill.run(args.mode, writes=writes, confirm=confirm)
    finally:
        for ex in drill.executors.values():
            ex.close()
    return 0 if m is not None and m.complete and m.writes_ok else 4
