"""Subcommands. Each module defines NAME, HELP, configure(parser) and run(args) -> exit code, and keeps its
heavy imports inside run() so that ``ha-wizard --help`` stays fast."""

from wizard.cli.commands import (
    apply,
    disks,
    doctor,
    failover_test,
    lab,
    plan,
    preflight,
    recover_split_brain,
    render,
    resume,
    status,
)

COMMANDS = [plan, apply, resume, render, disks, preflight, status, failover_test, recover_split_brain, doctor, lab]
