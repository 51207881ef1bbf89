"""Arguments and helpers shared by the headless commands."""

from __future__ import annotations

import argparse


def add_answers(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--answers", "-a", metavar="FILE", required=required, help="the answers file (TOML)")


def add_journal_answers(p: argparse.ArgumentParser) -> None:
    """--answers, optional: without it the answers file the last apply on this node used."""
    p.add_argument("--answers", "-a", metavar="FILE",
                   help="the answers file (default: the one the last apply used on this node)")


def add_connection(p: argparse.ArgumentParser, *, journal: bool = True) -> None:
    if journal:
        p.add_argument("--journal-dir", metavar="DIR", help="where the journal and secrets live "
                       "(default: [wizard] journal_dir, /var/lib/ha-wizard)")
    p.add_argument("--known-hosts", metavar="FILE", help="SSH known_hosts file (default ~/.ssh/known_hosts)")
    p.add_argument("--identity", "-i", metavar="KEY", help="SSH private key for the peer")
    p.add_argument("--accept-host-key", metavar="FINGERPRINT",
                   help="trust the peer's SSH host key if it has this fingerprint (SHA256:...), headless")


def add_confirm(p: argparse.ArgumentParser) -> None:
    p.add_argument("--yes", "-y", action="store_true",
                   help="headless: no questions; destructive steps still need --confirm")
    p.add_argument("--confirm", action="append", default=[], metavar="TOKEN",
                   help="headless consent for a destructive step: the device or node it names "
                        "(e.g. --confirm server1 --confirm /dev/drbd0); repeat as needed")


def answers_or_journal(args: argparse.Namespace) -> str:
    """--answers, else the answers file the last apply on this node used (a plain error when neither)."""
    if getattr(args, "answers", None):
        return str(args.answers)
    from wizard.flow.runner import journal_answers

    return journal_answers(getattr(args, "journal_dir", None) or "/var/lib/ha-wizard")
