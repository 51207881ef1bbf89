"""The recipes in words, for ``ha-wizard recipes`` (one line each) and ``ha-wizard recipes NAME`` (in full)."""

from __future__ import annotations

import difflib

from wizard.core.spec import SECTIONS, Spec
from wizard.errors import WizardError
from wizard.services.files import RELAY_WRAPPER, resource_path
from wizard.services.recipes import CUSTOM, Recipe, catalogue, custom_recipe
from wizard.services.schema import MOUNT

CUSTOM_KEYS = ", ".join(SECTIONS["custom"])


def list_recipes(spec: Spec | None = None) -> str:
    entries = catalogue()
    width = max(len(n) for n in entries)
    lines = ['Service recipes (enable them in the answers: [recipes] enabled = ["sendmail", "apache2"]):']
    for name, e in entries.items():
        on = " (enabled)" if spec is not None and name in spec.recipes else ""
        lines.append(f"  {name:<{width}}  {e.description}{on}")
    lines.append("What one moves: ha-wizard recipes NAME")
    return "\n".join(lines)


def _recipe(name: str, spec: Spec | None) -> Recipe | None:
    entries = catalogue()
    if name not in entries:
        close = difflib.get_close_matches(name, list(entries), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(entries)}"
        raise WizardError(f"no recipe called {name!r} ({hint}); `ha-wizard recipes` lists them")
    if name == CUSTOM:
        return custom_recipe(spec) if spec is not None and (spec.custom.unit or CUSTOM in spec.recipes) else None
    return entries[name].recipe


def describe_recipe(name: str, spec: Spec | None = None) -> str:
    recipe = _recipe(name, spec)
    if recipe is None:
        return (f"{name}: {catalogue()[name].description}.\n"
                f"Describe it in the answers' [custom] section ({CUSTOM_KEYS}) and enable it with "
                '[recipes] enabled = ["custom"]; see examples/custom.toml. '
                f"`ha-wizard recipes custom --answers FILE` then shows what it moves.")
    mount = spec.storage.mount_point if spec is not None else "/replicated"
    relay_host = (spec.relay_host or f"{spec.service.vip}:25 (the service address)") if spec is not None else \
        "recipes.relay_host, or the service address (service.vip) on port 25"
    rows: list[tuple[str, str]] = [
        ("packages", f"{', '.join(recipe.packages) or '(none: checked through its unit)'}: installed at the same "
                     "version on both nodes"),
        ("unit", f"{recipe.unit}: stopped for the move and off at boot on both nodes (systemctl disable"
                 + (" and mask" if recipe.mask else "") + "); Heartbeat starts it"),
        ("haresources", f"{recipe.init_script}: {resource_path(recipe)}, written by ha-wizard"),
    ]
    if spec is not None and spec.stack == "pacemaker":
        # Pacemaker's systemd class cannot start a masked unit: disabled only (and unmasked if it was)
        rows[1:3] = [("unit", f"{recipe.unit}: stopped for the move and off at boot on both nodes (systemctl "
                              "unmask and disable, never mask); Pacemaker starts it "
                              f"(systemd:{recipe.unit.removesuffix('.service')} in the CIB)")]
    width = max(len(p) for p in recipe.paths)
    for i, p in enumerate(recipe.paths):
        found = "  (the * is found on the node)" if "*" in p else ""
        rows.append(("moves" if i == 0 else "", f"{p:<{width}} -> {mount.rstrip('/')}{p}{found}"))
    for link in recipe.links:
        rows.append(("links", f"{link.path} -> {link.target.replace(MOUNT, mount.rstrip('/'))}"))
    if recipe.relay:
        r = recipe.relay
        rows.append(("links", f"{r.binary} -> {mount.rstrip('/')}{r.binary}: on the replicated disk the real "
                              f"program; under the mount point {RELAY_WRAPPER}"))
        rows.append(("relay", f"{' or '.join(r.programs)} (the first installed; {r.install} is installed when none "
                              f"is) sends local mail to {relay_host} while the disk is elsewhere"))
    rows.append(("health check", recipe.health.describe()))
    if recipe.note:
        rows.append(("note", recipe.note))
    rows.append(("from", recipe.source))
    return "\n".join([f"{recipe.name}: {recipe.description}",
                      *(f"  {k + ':' if k else '':<14}{v}" for k, v in rows)])
