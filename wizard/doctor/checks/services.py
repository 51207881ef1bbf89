"""Services (the init scripts haresources starts): off at boot on both nodes, not running on the standby, their
paths symlinks into the replicated mount on both nodes, nothing of them left on a local disk, the same package
version on both nodes. What a service keeps where comes from its recipe (``recipes/*.toml``)."""

from __future__ import annotations

from wizard.doctor.finding import Family, Finding, ok
from wizard.doctor.pair import Pair, said
from wizard.doctor.probe import NodeSnapshot
from wizard.services.recipes import Recipe

FAMILY = "Services"
ENABLED = ("enabled", "enabled-runtime", "alias", "indirect", "linked", "linked-runtime")
DEFAULT_MOUNT = "/replicated"


_f = Family(FAMILY, "services")


def script_of(recipe: Recipe) -> str:
    """The name haresources starts the recipe's service by (its init script)."""
    return recipe.init_script or recipe.name


def unit_of(service: str, recipe: Recipe | None) -> str:
    """The unit as the probe asked systemctl about it: the recipe's unit without ".service" (the name
    haresources uses shares it), else the haresources name itself."""
    return recipe.unit.removesuffix(".service") if recipe is not None and recipe.unit else service


def service_paths(recipe: Recipe | None) -> tuple[str, ...]:
    """The paths a recipe moves, as plain absolute paths (a path found on the node, like PostgreSQL's
    versioned folder, is left out: it depends on the node)."""
    paths = recipe.paths if recipe is not None else ()
    return tuple(p for p in paths if p.startswith("/") and not set(p) & set("*?[{}<>$"))


def package_of(service: str, recipe: Recipe | None) -> str:
    return recipe.packages[0] if recipe is not None and recipe.packages else service


def boot(pair: Pair) -> list[Finding]:
    out = []
    for service in pair.services():
        unit = unit_of(service, pair.recipe_for(service))
        for n in pair.nodes:
            state = n.unit("enabled", unit)
            if state in ENABLED:
                out.append(_f("fail", "boot", f"{unit} starts at boot on {n.name}",
                              [said(n, f"systemctl is-enabled {unit}", state or "")],
                              "after a reboot it starts on both nodes: on the standby without its data (the "
                              "replicated disk is not mounted there), beside Heartbeat's copy on the master",
                              f"on {n.name}: systemctl disable {unit} (Heartbeat starts it)", n.name))
            elif state == "masked":
                out.append(_f("fail", "boot", f"{unit} is masked on {n.name}",
                              [said(n, f"systemctl is-enabled {unit}", state)],
                              f"Heartbeat starts it with /etc/init.d/{service}, which systemd refuses for a masked "
                              "unit",
                              f"on {n.name}: systemctl unmask {unit} && systemctl disable {unit}", n.name))
    if not out and pair.services():
        out.append(ok(FAMILY, "services.boot", "off at boot on both nodes: " + ", ".join(pair.services())))
    return out


def standby(pair: Pair) -> list[Finding]:
    """A service runs only where Heartbeat put it: not on the node that does not hold the disk."""
    out = []
    for service in pair.services():
        unit = unit_of(service, pair.recipe_for(service))
        for n in pair.nodes:
            if n.unit("active", unit) == "active" and not pair.serves(n):
                out.append(_f("fail", "standby", f"{unit} runs on {n.name}, which does not hold the replicated disk",
                              [said(n, f"systemctl is-active {unit}", "active")],
                              "there it runs on the local disk's stale or empty copy: mail, pages or rows written "
                              "to it are lost at the next takeover", f"on {n.name}: systemctl stop {unit}", n.name))
    return out


def _mount_point(pair: Pair) -> str:
    return pair.mount[1] if pair.mount else DEFAULT_MOUNT


def paths(pair: Pair) -> list[Finding]:
    """Each path of each service is a symlink into the mount on both nodes; no copy left beside it."""
    out: list[Finding] = []
    mount = _mount_point(pair)
    checked: list[str] = []
    for service in pair.services():
        recipe = pair.recipe_for(service)
        if recipe is None:
            out.append(ok(FAMILY, "services.recipe", f"{service}: no recipe knows its paths, so they were not checked"))
            continue
        for path in service_paths(recipe):
            want = mount + path
            for n in pair.nodes:
                out += _path(pair, n, service, path, want)
            checked.append(path)
    if checked and not any(f.status != "ok" and f.key in ("services.symlink", "services.local")
                           for f in out):
        out.append(ok(FAMILY, "services.symlink", f"on both nodes these are symlinks into {mount}: "
                      + ", ".join(checked)))
    return out


def _path(pair: Pair, n: NodeSnapshot, service: str, path: str, want: str) -> list[Finding]:
    state = n.paths.get(path)
    if state is None:
        return []
    out = []
    mount = _mount_point(pair)
    cmd = f"ls -ld {path}"
    if state.kind == "link" and (state.target == want or state.target.startswith(mount + "/")):
        pass
    elif state.kind == "link":
        out.append(_f("fail", "symlink", f"{path} on {n.name} points to {state.target}, not into {mount}",
                      [said(n, cmd, f"{path} -> {state.target}")],
                      f"{service}'s data must live on the replicated disk to follow a takeover",
                      f"on {n.name}: ln -sfn {want} {path}", n.name))
    elif state.kind == "missing":
        out.append(_f("fail", "symlink", f"{path} is missing on {n.name} (no symlink to {want})",
                      [said(n, cmd, "No such file or directory")],
                      f"after a takeover {service} on {n.name} finds no config or data at {path} and fails to start",
                      f"on {n.name}: ln -s {want} {path}", n.name))
    else:
        out.append(_f("fail", "local", f"{path} on {n.name} is a local {'directory' if state.kind == 'dir' else 'file'}"
                      f", not a symlink to {want}", [said(n, cmd, f"a {state.kind}")],
                      f"{service} on {n.name} would use this local copy, not the replicated data",
                      f"on {n.name}: mv {path} {path}.local && ln -s {want} {path} (check {path}.local, then "
                      "remove it)", n.name))
    for left in state.leftovers:
        ours = ".ha-wizard-" in left
        out.append(_f("warn", "leftover", f"a copy of {path} stays on {n.name}'s local disk: {left}",
                      [said(n, f"ls -d {path}.*", left)],
                      "old data beside the link confuses the next admin and can be started by mistake"
                      + (" (ha-wizard keeps it until the setup is accepted)" if ours else ""),
                      f"once the replicated copy is verified, on {n.name}: rm -rf {left}", n.name))
    return out


def under_mount(pair: Pair) -> list[Finding]:
    """Files in the mount point's directory of a node where the disk is not mounted: they live on the local disk
    and vanish under the mount when the DRBD disk comes."""
    out = []
    mount = _mount_point(pair)
    allowed = {"lost+found"} | ({"usr"} if "sendmail" in pair.services() else set())  # the tutorial's relay trick
    for n in pair.nodes:
        entries = [e for e in (n.under_mount(mount) or ()) if e and e not in allowed]
        if entries:
            out.append(_f("warn", "under-mount", f"{mount} on {n.name} holds local files while the replicated disk is "
                          "not mounted there: " + ", ".join(entries[:5]) + (" ..." if len(entries) > 5 else ""),
                          [said(n, f"ls -A {mount}", " ".join(entries[:10]))],
                          "something wrote there while the disk was not mounted (a service started on the standby?): "
                          "those writes are hidden once the disk mounts and lost to the pair",
                          f"on {n.name}: move them aside (mv {mount}/* /root/) and find what wrote them", n.name))
    return out


def versions(pair: Pair) -> list[Finding]:
    if not pair.both:
        return []
    out = []
    same = []
    for service in pair.services():
        pkg = package_of(service, pair.recipe_for(service))
        got = {n.name: n.facts.packages.get(pkg) for n in pair.nodes}
        missing = [name for name, v in got.items() if v is None]
        if missing and len(missing) < 2:
            out.append(_f("fail", "package", f"{pkg} is not installed on {', '.join(missing)}",
                          [said(n, f"dpkg-query -W {pkg}", got[n.name] or "not installed") for n in pair.nodes],
                          f"{missing[0]} cannot run {service} after a takeover",
                          f"apt-get install {pkg} on {', '.join(missing)}, then disable it at boot"))
        elif len(set(got.values())) > 1:
            out.append(_f("fail", "version", f"{pkg} is {got[pair.local.name]} on {pair.local.name} but "
                          f"{got[pair.peer.name]} on {pair.peer.name}",
                          [said(n, f"dpkg-query -W {pkg}", f"{pkg} {got[n.name]}") for n in pair.nodes],
                          "the tutorial's rule: the same daemon versions on both nodes, or the standby may not read "
                          "the data the master wrote (a database's on-disk format above all)",
                          f"install the same {pkg} version on both nodes"))
        elif not missing:
            same.append(f"{pkg} {got[pair.local.name]}")
    if same and not out:
        out.append(ok(FAMILY, "services.version", "the same version on both nodes: " + ", ".join(same)))
    return out


CHECKS = (boot, standby, paths, under_mount, versions)
