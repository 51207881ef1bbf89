"""ha-wizard recipes: the services ha-wizard knows how to make redundant, and what each one moves."""

from __future__ import annotations

import argparse

NAME = "recipes"
HELP = "list the service recipes (one line each); `recipes NAME` shows what one moves"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", metavar="NAME", help="show this recipe in full")
    p.add_argument("--answers", "-a", metavar="FILE", help="an answers file: shows its [custom] recipe and "
                                                            "the mount point it uses")


def run(args: argparse.Namespace) -> int:
    from wizard.services.show import describe_recipe, list_recipes

    spec = None
    if args.answers:
        from wizard.core.answers import load_answers

        spec, _ = load_answers(args.answers)
    print(describe_recipe(args.name, spec) if args.name else list_recipes(spec))
    return 0
