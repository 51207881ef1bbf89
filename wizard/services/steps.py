"""Moving the services onto the replicated disk: the tutorial's "Preparing Your Services", per service and node.

Pure: each builder turns the answers, the recipe and the nodes' service facts (``wizard.services.discover``)
into actions, every one of them visible in the plan: the stop, each copy, each verify, each link, each
``systemctl disable``. The folder work is done by ``ha-wizard-services`` (written on both nodes first), one
call per path, so a run killed anywhere resumes where it stopped. A step counts as done only when the node
shows it: the links in place (to targets on the mounted disk, on the master), the unit off at boot, the
files as planned, the service answering.

Order, per recipe: the relay (sendmail) on the master, the move on the master, the relay and the links on
the slave, then the start on the master. The services' consent token is the recipe's name.
"""

from __future__ import annotations

from wizard.core.actions import Action, Check, Confirm, MakeDir, Run, Step, WaitFor, WriteFile
from wizard.core.conditions import checksum_checks, verify_written
from wizard.core.plan import PlanContext
from wizard.errors import WizardError
from wizard.services.conditions import OPEN_FILES_PROBE, packages_probe, paths_probe, under_probe
from wizard.services.discover import FACTS_KEY, NodeServices, state_dir
from wizard.services.files import (
    HELPER,
    RELAY_CONF,
    RELAY_WRAPPER,
    RelayChoice,
    default_relay_path,
    helper_file,
    relay_files,
    resource_file,
    resource_path,
)
from wizard.services.health import health_check, wait_healthy
from wizard.services.recipes import Recipe, enabled_recipes
from wizard.services.schema import MOUNT

COPY_TIMEOUT_S = 24 * 3600.0  # a copy is as long as the data; the wait just has to end some day
KIND = "services"

COPY_EXPLAIN = (
    (3, "there is not enough room on the replicated disk (the message above gives the sizes): make room or use a "
        "larger partition, then run `ha-wizard resume`."),
    (4, "the replicated disk is not mounted on this node: it must be DRBD Primary with the disk mounted."),
    (5, "something unexpected is in the way (named above); nothing was deleted. Fix it, then run `ha-wizard "
        "resume`."),
)
VERIFY_EXPLAIN = ((1, "the copy differs from the original (the differences are listed above), so the original "
                      "was left in place. Run `ha-wizard resume` to copy again."), *COPY_EXPLAIN[1:])


# --- facts and names ---------------------------------------------------------------------------------------
def service_facts(ctx: PlanContext, node: str) -> NodeServices | None:
    found = ctx.facts.get(FACTS_KEY)
    facts = found.get(node) if isinstance(found, dict) else None
    return facts if isinstance(facts, NodeServices) and facts.reached else None


def resolve(ctx: PlanContext, recipe: Recipe) -> tuple[str, ...]:
    """The recipe's paths on the master: a "*" pattern becomes every match found there (left as written when
    the master was not probed: the helper then says the path does not exist)."""
    facts = service_facts(ctx, ctx.spec.master)
    out: list[str] = []
    for pattern in recipe.paths:
        found = [f.path for f in facts.found(pattern)] if facts is not None and "*" in pattern else []
        out += sorted(found) or [pattern]
    return tuple(out)


def on_disk(ctx: PlanContext, path: str) -> str:
    return ctx.spec.storage.mount_point.rstrip("/") + path


def link_target(ctx: PlanContext, target: str) -> str:
    return target.replace(MOUNT, ctx.spec.storage.mount_point.rstrip("/"), 1) if target.startswith(MOUNT) else target


def extra_links(ctx: PlanContext, recipe: Recipe) -> list[tuple[str, str]]:
    """(path, target) of the recipe's extra links, the relay's binary first."""
    out = [(recipe.relay.binary, on_disk(ctx, recipe.relay.binary))] if recipe.relay else []
    return out + [(link.path, link_target(ctx, link.target)) for link in recipe.links]


def check_overlaps(ctx: PlanContext, recipes: list[Recipe]) -> None:
    """Two enabled recipes may not move the same folder (apache2 and nginx both keep /var/www)."""
    owner: dict[str, str] = {}
    for r in recipes:
        for p in resolve(ctx, r):
            for q, other in owner.items():
                if other != r.name and (p == q or p.startswith(q + "/") or q.startswith(p + "/")):
                    raise WizardError(f"recipes.enabled: {other} and {r.name} both move {min(p, q, key=len)}: "
                                      "enable only one of them")
            owner[p] = r.name


def versions(ctx: PlanContext, recipe: Recipe, other: str) -> tuple[str, ...]:
    """Pre-check arguments: each package at the version the other node has ("" = any, when not probed)."""
    facts = service_facts(ctx, other)
    return tuple(f"{p}={facts.packages.get(p, '') if facts else ''}" for p in recipe.packages)


def consent(ctx: PlanContext, recipe: Recipe, paths: tuple[str, ...]) -> Confirm:
    m, p = ctx.order
    return Confirm(recipe.name, f"move {recipe.name} onto {ctx.spec.storage.mount_point}: stop it, copy "
                                f"{', '.join(paths)} onto the replicated disk on {m} and replace them by links on "
                                f"{m} and {p} (each original kept as PATH.ha-wizard-orig)")


# --- the actions the steps share ---------------------------------------------------------------------------
def precheck(ctx: PlanContext, recipe: Recipe, node: str) -> WaitFor:
    other = next(n.name for n in ctx.spec.nodes if n.name != node)
    if not recipe.packages:
        return WaitFor(("systemctl", "cat", "--", recipe.unit), "exit-zero", timeout=5, interval=1,
                       what=f"{recipe.unit} is installed")
    return WaitFor(packages_probe(recipe.packages), "packages-match", versions(ctx, recipe, other), timeout=5,
                   interval=1, what=f"{', '.join(recipe.packages)} installed, at the same version as on {other}")


def masks(ctx: PlanContext, recipe: Recipe) -> bool:
    """Masked while the cluster does not run it: Heartbeat's resource script unmasks it to start it, but
    Pacemaker's systemd class cannot start a masked unit, so under Pacemaker it is only disabled."""
    return recipe.mask and ctx.stack != "pacemaker"


def boot_off(ctx: PlanContext, recipe: Recipe, c: Confirm) -> list[Run]:
    """Record the boot setting (for undo), then turn the start at boot off; mask too where the recipe asks.
    Under Pacemaker a unit found masked (by hand, or by an earlier Heartbeat setup with ``mask``) is unmasked:
    Pacemaker's systemd class could never start it, and the group would fail at its first start. (The
    setting before is recorded; undo masks it again.)"""
    out = [Run((HELPER, "remember-boot", state_dir(ctx.spec), recipe.unit), confirm=c)]
    if ctx.stack == "pacemaker":
        out.append(Run(("systemctl", "unmask", recipe.unit)))  # a no-op on a unit not masked
    out.append(Run(("systemctl", "disable", recipe.unit)))
    if masks(ctx, recipe):
        out.append(Run(("systemctl", "mask", recipe.unit)))
    return out


def heartbeat_script(ctx: PlanContext, recipe: Recipe) -> list[WriteFile]:
    """Heartbeat's resource script for the service (haresources names it); Pacemaker runs the unit itself."""
    return [] if ctx.stack == "pacemaker" else [resource_file(recipe)]


def started_by(ctx: PlanContext, recipe: Recipe) -> str:
    if ctx.stack == "pacemaker":
        return f"Pacemaker starts it (systemd:{recipe.unit.removesuffix('.service')} in the CIB)"
    return f"Heartbeat starts it through {resource_path(recipe)}"


def stop_and_wait(ctx: PlanContext, recipe: Recipe, paths: tuple[str, ...]) -> list[Action]:
    watched = tuple(dict.fromkeys([*paths, *(on_disk(ctx, p) for p in paths)]))
    return [Run(("systemctl", "stop", recipe.unit)),
            WaitFor(OPEN_FILES_PROBE, "services-unused", watched, timeout=120, interval=2,
                    what=f"no process holds a file in {', '.join(paths)}")]


def link_extras(ctx: PlanContext, recipe: Recipe) -> list[Action]:
    return [Run((HELPER, "link-to", path, target), explain=COPY_EXPLAIN) for path, target in extra_links(ctx, recipe)]


def before_the_move(ctx: PlanContext, recipe: Recipe, node: str, paths: tuple[str, ...]) -> list[Action]:
    """On each node, before any folder moves: the packages checked, consent, boot start off, the service
    stopped and nothing holding its files."""
    c = consent(ctx, recipe, paths)
    return [precheck(ctx, recipe, node), *boot_off(ctx, recipe, c), *stop_and_wait(ctx, recipe, paths)]


def boot_check(ctx: PlanContext, recipe: Recipe) -> Check:
    """Off at boot: masked where the recipe masks it, only disabled (never masked) under Pacemaker, else either."""
    want = ("mask",) if masks(ctx, recipe) else ("disabled",) if ctx.stack == "pacemaker" else ()
    return Check(("systemctl", "is-enabled", recipe.unit), "unit-boot-off", want)


def linked_check(ctx: PlanContext, recipe: Recipe, paths: tuple[str, ...], need: str) -> Check:
    pairs = [(p, on_disk(ctx, p)) for p in paths] + extra_links(ctx, recipe)
    return Check(paths_probe(pairs), "services-linked", (need, *(x for pair in pairs for x in pair)))


# --- the steps ---------------------------------------------------------------------------------------------
def helper_step(ctx: PlanContext, node: str) -> Step:
    files = [helper_file()]
    return Step(
        id=f"services-helper@{node}", kind=KIND, title=f"the helper that moves folders ({HELPER})", host=node,
        actions=(*files, verify_written(files)), checks=checksum_checks(files),
        why="Each copy, check and link below is one call of this script, so a run stopped at any point "
            "resumes where it was and you can read exactly what runs.",
    )


def relay_choice(ctx: PlanContext, recipe: Recipe, node: str) -> RelayChoice:
    assert recipe.relay is not None
    facts = service_facts(ctx, node)
    for program in recipe.relay.programs:
        if facts is not None and program in facts.programs:
            return RelayChoice(program, facts.programs[program], True)
    return RelayChoice(recipe.relay.install, default_relay_path(recipe.relay.install), False)


def relay_step(ctx: PlanContext, recipe: Recipe, node: str) -> Step:
    """The tutorial's trick: under the mount point, the binary's path leads to a relay, so a node that does not
    hold the disk still sends its local mail."""
    assert recipe.relay is not None
    mount = ctx.spec.storage.mount_point
    choice = relay_choice(ctx, recipe, node)
    files = relay_files(ctx, recipe, node, choice)
    actions: list[Action] = []
    if not choice.installed:
        actions.append(Run(("apt-get", "install", "-y", "--no-install-recommends", choice.program), timeout=1800,
                           env=(("DEBIAN_FRONTEND", "noninteractive"),)))
    actions += [MakeDir(RELAY_CONF.rsplit("/", 1)[0]), *files, verify_written(files),
                Run((HELPER, "under-link", mount, recipe.relay.binary, RELAY_WRAPPER), explain=COPY_EXPLAIN[2:])]
    how = "installed" if choice.installed else "installed now"
    return Step(
        id=f"relay-{recipe.name}@{node}", kind=KIND, title=f"{recipe.name}'s relay: {choice.program} ({how})",
        host=node, actions=tuple(actions),
        checks=(Check(("sh", "-c", 'command -v "$1"', "sh", choice.program), "exit-zero"), *checksum_checks(files),
                Check(under_probe(mount, recipe.relay.binary), "under-mount-link", (RELAY_WRAPPER,))),
        why=f"While the disk is mounted elsewhere, {recipe.relay.binary} on {node} leads (through "
            f"{mount}{recipe.relay.binary} under the mount point) to {RELAY_WRAPPER}, which hands local mail to "
            f"{choice.program} for {relay_shown(ctx)}. {choice.program} was picked because "
            + (f"it is installed on {node}." if choice.installed else
               f"none of {', '.join(recipe.relay.programs)} is installed on {node} (Debian 12's ssmtp conflicts "
               "with sendmail; plain msmtp installs beside it).")
            + relay_warning(ctx),
    )


def relay_shown(ctx: PlanContext) -> str:
    if ctx.spec.relay_host:
        return ctx.spec.relay_host
    return f"the service address {ctx.spec.service.vip}:25 (recipes.relay_host)"


def relay_warning(ctx: PlanContext) -> str:
    if ctx.spec.relay_host:
        return ""
    return (" The active node's sendmail must accept that mail: Debian's listens on 127.0.0.1 only "
            "(DAEMON_OPTIONS in /etc/mail/sendmail.mc), or set recipes.relay_host to your mail hub.")


def move_step(ctx: PlanContext, recipe: Recipe) -> Step:
    s = ctx.spec
    m, mount = s.master, s.storage.mount_point
    paths = resolve(ctx, recipe)
    actions = before_the_move(ctx, recipe, m, paths)
    actions += [Run((HELPER, "copy", mount, p), timeout=COPY_TIMEOUT_S, explain=COPY_EXPLAIN) for p in paths]
    actions += [Run((HELPER, "verify", mount, p), timeout=COPY_TIMEOUT_S, explain=VERIFY_EXPLAIN) for p in paths]
    actions += [Run((HELPER, "link", mount, p), explain=COPY_EXPLAIN) for p in paths]
    if recipe.relay:
        actions.append(Run((HELPER, "disk-link", mount, recipe.relay.binary), explain=COPY_EXPLAIN))
    actions += link_extras(ctx, recipe)
    actions += heartbeat_script(ctx, recipe)
    return Step(
        id=f"move-{recipe.name}@{m}", kind=KIND, title=f"move {recipe.name} onto {mount}", host=m,
        actions=tuple(actions), checks=(linked_check(ctx, recipe, paths, "target"), boot_check(ctx, recipe)),
        why=f"The tutorial's move, with {recipe.name} stopped: each folder is copied with its owners, modes, "
            "links, ACLs and xattrs, compared file by file (sha256) with the original, and only then replaced by a "
            f"link; the original stays as PATH.ha-wizard-orig until the setup is accepted. {recipe.unit} no longer "
            f"starts at boot ({started_by(ctx, recipe)}).",
    )


def link_step(ctx: PlanContext, recipe: Recipe) -> Step:
    s = ctx.spec
    p, mount = s.peer_node.name, s.storage.mount_point
    paths = resolve(ctx, recipe)
    actions = before_the_move(ctx, recipe, p, paths)
    actions += [Run((HELPER, "set-aside", mount, path), explain=COPY_EXPLAIN) for path in paths]
    actions += link_extras(ctx, recipe)
    actions += heartbeat_script(ctx, recipe)
    return Step(
        id=f"link-{recipe.name}@{p}", kind=KIND, title=f"link {recipe.name}'s folders to {mount}", host=p,
        actions=tuple(actions), checks=(linked_check(ctx, recipe, paths, "link"), boot_check(ctx, recipe)),
        why=f"The slave gets the same links, so after a failover {recipe.name} finds its config and data on the "
            f"disk it just mounted. Its own copies are kept as PATH.ha-wizard-orig, never deleted; the links lead "
            f"nowhere until {p} mounts the disk. {recipe.unit} no longer starts at boot here either.",
    )


def start_step(ctx: PlanContext, recipe: Recipe) -> Step:
    m = ctx.spec.master
    start = (("systemctl", "start", recipe.unit) if ctx.stack == "pacemaker"  # Pacemaker's systemd class does so
             else (resource_path(recipe), "start"))
    return Step(
        id=f"start-{recipe.name}@{m}", kind=KIND, title=f"start {recipe.name} from the replicated disk", host=m,
        actions=(Run(start, timeout=300), wait_healthy(recipe)),
        checks=(health_check(recipe),),
        why="As the tutorial says: start it again and give it a try, through the same "
            + ("unit Pacemaker" if ctx.stack == "pacemaker" else "script Heartbeat")
            + f" will use; it must then pass its health check ({recipe.health.describe()}).",
    )


def services_steps(ctx: PlanContext) -> list[Step]:
    """Every service step, for the enabled recipes in the answers' order (none when none is enabled)."""
    recipes = enabled_recipes(ctx.spec)
    if not recipes:
        return []
    check_overlaps(ctx, recipes)
    m, p = ctx.order
    steps = [helper_step(ctx, m), helper_step(ctx, p)]
    for r in recipes:
        if r.relay:
            steps.append(relay_step(ctx, r, m))
        steps.append(move_step(ctx, r))
        if r.relay:
            steps.append(relay_step(ctx, r, p))
        steps += [link_step(ctx, r), start_step(ctx, r)]
    return steps


ORIGINALS_LEFT = 'for p; do if [ -e "$p.ha-wizard-orig" ] || [ -L "$p.ha-wizard-orig" ]; then exit 1; fi; done'


def forget_originals_steps(ctx: PlanContext) -> list[Step]:
    """Once the setup is accepted (the failover drill passed): delete the PATH.ha-wizard-orig kept by the move,
    on both nodes, each service with its own consent. Not in the tutorial's plan: the Heartbeat work orders it
    after its drill."""
    steps: list[Step] = []
    for r in enabled_recipes(ctx.spec):
        paths = [*resolve(ctx, r), *(path for path, _ in extra_links(ctx, r))]
        for node in ctx.order:
            c = Confirm(r.name, f"delete {r.name}'s originals kept before the move on {node} "
                                f"({', '.join(p + '.ha-wizard-orig' for p in paths)})")
            steps.append(Step(
                id=f"forget-originals-{r.name}@{node}", kind=KIND, title=f"delete {r.name}'s kept originals",
                host=node, actions=tuple(Run((HELPER, "forget-orig", p), confirm=c, explain=COPY_EXPLAIN)
                                         for p in paths),
                checks=(Check(("sh", "-c", ORIGINALS_LEFT, "sh", *paths), "exit-zero"),),
                why="The failover drill passed on the replicated copy: the originals kept since the move are no "
                    "longer needed (undo-services copies back from the replicated disk).",
            ))
    return steps
