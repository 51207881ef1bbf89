"""``ha-wizard``: the TUI by default, headless subcommands for scripts and support.

Start-up cost matters (``--help`` must answer in a quarter second), so this module imports only argparse
and the light command modules; each command imports its heavy dependencies inside ``run``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from wizard import __version__
from wizard.cli.commands import COMMANDS

EPILOG = """\
Without a subcommand, ha-wizard starts the interactive wizard (add --dry-run to change nothing).
Headless: `ha-wizard plan --answers F` shows every step; `ha-wizard apply --answers F` runs them;
`ha-wizard resume` continues an interrupted run. See README.md."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ha-wizard",
        description="Set up two servers as a DRBD + Heartbeat pair, step by step, as in the classic tutorial.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"ha-wizard {__version__}")
    p.add_argument("--dry-run", action="store_true", help="(interactive wizard) show everything, change nothing")
    p.add_argument("--answers", metavar="FILE", help="(interactive wizard) start from this answers file")
    p.add_argument("--journal-dir", metavar="DIR", help="where the journal lives (default /var/lib/ha-wizard)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for mod in COMMANDS:
        sp = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.configure(sp)
        sp.set_defaults(_run=mod.run)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["lab"]:
        # The lab has its own parser (its options may come first: `ha-wizard lab --lab-dir D up`), and its
        # own help: hand it every word after "lab".
        from wizard.lab.__main__ import main as lab_main

        return lab_main(words[1:])
    parser = build_parser()
    args = parser.parse_args(words)
    from wizard.errors import WizardError

    try:
        if getattr(args, "_run", None) is None:
            from wizard.cli.commands import tui

            return tui.run(args)
        return int(args._run(args))
    except WizardError as e:
        print(f"ha-wizard: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("ha-wizard: interrupted; the journal is kept — run `ha-wizard resume` to continue",
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 141


if __name__ == "__main__":
    sys.exit(main())
