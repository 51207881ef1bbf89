"""Subcommands. Each module defines NAME, HELP, configure(parser) and run(args) -> exit code, and keeps its
heavy imports inside run() so that ``ha-wizard --help`` stays fast."""

from wizard.cli.commands import apply, disks, doctor, lab, plan, preflight, render, resume, status

COMMANDS = [plan, apply, resume, render, disks, preflight, status, doctor, lab]
