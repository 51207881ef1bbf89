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
    recipes,
    recover_split_brain,
    render,
    resume,
    status,
    undo_services,
)

COMMANDS = [plan, apply, resume, render, disks, preflight, status, recipes, undo_services, failover_test,
            recover_split_brain, doctor, lab]
