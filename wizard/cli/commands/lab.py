"""ha-wizard lab up|wizard|down|status|ssh: two throwaway VMs to rehearse on (see README)."""

from __future__ import annotations

import argparse

NAME = "lab"
HELP = "rehearse on two throwaway VMs with real DRBD + Heartbeat: lab up | wizard | down | status | ssh N"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab_args", nargs=argparse.REMAINDER,
                   help="up [--names A,B] | wizard | down | status | ssh N [command]")


def run(args: argparse.Namespace) -> int:
    from wizard.lab.__main__ import main

    return main(list(args.lab_args))
