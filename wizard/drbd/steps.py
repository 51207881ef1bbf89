"""The DRBD steps of the tutorial: the configuration (3), then create-md, start, connect, promote, sync,
mkfs, mount (4-10).

Pure: each builder turns the answers and the DRBD family into actions and the checks that prove a step
done on the real host, so a resume never repeats create-md, the forced promote or mkfs. Confirmation
tokens: ``<node>:<disk>`` for create-md, the master's name for "its data wins", the DRBD device for mkfs.
"""

from __future__ import annotations

from wizard.core.actions import Action, Check, Confirm, Prompt, Run, Step, WaitFor
from wizard.core.conditions import checksum_checks, verify_written
from wizard.core.plan import PlanContext
from wizard.drbd import createmd, render
from wizard.drbd.confcheck import remote_check_argv

# Written on a node right after create-md succeeded: metadata on disk *and* this marker prove that
# ha-wizard made it; metadata without the marker is an earlier setup's, and create-md asks about it.
MARKER_DIR = "/var/lib/drbd"
MD_RESERVED_07 = 128 << 20  # indexed external metadata: 128 MiB per index (drbdmeta MD_RESERVED_SECT_07)
SYNC_STALL_S = 300  # a sync that has not moved for this long stops the wait with a diagnosis
SYNC_TIMEOUT_S = 48 * 3600  # the sync goes on in the kernel; the wizard's wait just stops (resume waits on)
CONNECT_TIMEOUT_S = 90.0

# Reads the state, the superblock magic (4 bytes at offset 60 of the metadata superblock, with O_DIRECT so
# the page cache cannot show stale bytes) and the marker. Read-only, so it also runs in dry-run.
MD_PROBE = r"""
fam=$1 res=$2 disk=$3 off=$4 marker=$5
echo '@@ha-wizard:state'
if [ "$fam" = 9 ]; then drbdsetup status --json "$res" 2>/dev/null; else cat /proc/drbd 2>/dev/null; fi
printf '\n@@ha-wizard:magic\n'  # newline first: JSON output may lack a final one
if [ -b "$disk" ]; then
  if [ "$off" = end ]; then s=$(blockdev --getsize64 "$disk") && off=$(( (s / 4096 - 1) * 4096 )); fi
  dd if="$disk" bs=4096 skip=$(( off / 4096 )) count=1 iflag=direct 2>/dev/null | od -An -tx1 -j60 -N4
fi
printf '\n@@ha-wizard:marker\n'
cat "$marker" 2>/dev/null
exit 0
"""

# Proves the partition reads as zeros over everything DRBD exposes (/sys size: /dev/drbdN itself cannot be
# opened while Secondary). cmp prints the first differing byte when it is not blank.
BLANK_PROOF = r"""
n=$(cat "/sys/block/$1/size" 2>/dev/null) || { echo "/dev/$1 is not up"; exit 2; }
echo "reading $(( n / 2048 )) MiB of $2 ..."
cmp -n "$(( n * 512 ))" /dev/zero "$2"
"""


def state_probe(ctx: PlanContext) -> tuple[str, ...]:
    """The read-only DRBD status command of this family (DRBD 9's /proc/drbd holds only the version)."""
    if ctx.drbd_family == "9":
        return ("drbdsetup", "status", "--json", "--statistics", ctx.spec.drbd.resource)
    return ("cat", "/proc/drbd")


def marker_path(ctx: PlanContext) -> str:
    return f"{MARKER_DIR}/ha-wizard-{ctx.spec.drbd.resource}.md"


def md_location(ctx: PlanContext, node: str) -> tuple[str, str]:
    """(device holding the metadata superblock, byte offset or "end") for ``meta-disk``."""
    meta = ctx.spec.drbd.meta_disk
    if meta == "internal":
        return ctx.spec.node(node).disk, "end"
    dev, _, index = meta.partition("[")
    if index.rstrip("]").isdigit():
        return dev, str(int(index.rstrip("]")) * MD_RESERVED_07)
    return dev, "0"  # flexible external metadata starts at the beginning of the meta device


def md_probe(ctx: PlanContext, node: str) -> tuple[str, ...]:
    dev, off = md_location(ctx, node)
    return ("sh", "-c", MD_PROBE, "sh", ctx.drbd_family, ctx.spec.drbd.resource, dev, off, marker_path(ctx))


def _modprobe() -> Run:
    # drbdadm picks its config parser from the loaded module (without it drbd-utils 9 parses 8.4 syntax
    # as DRBD 9 and fails), so the module is loaded before any drbdadm call.
    return Run(("modprobe", "drbd"), explain=((1, "the drbd kernel module is missing: install the DRBD "
                                                   "module for this kernel (Debian: it ships with the kernel)"),))


def create_md_step(ctx: PlanContext, node: str) -> Step:
    d = ctx.spec.drbd
    disk = ctx.spec.node(node).disk
    marker = (f"created by ha-wizard: drbdadm create-md {d.resource} on {disk} "
              f"(meta-disk {d.meta_disk})")
    return Step(
        id=f"create-md@{node}", kind="create-md", title=f"DRBD metadata on {disk}", host=node,
        actions=(
            _modprobe(),
            # Facts first: a disk that shows a filesystem or other data asks before drbdadm even starts.
            Run(("drbdadm", "create-md", d.resource), prompts=createmd.prompts(node, disk),
                explain=createmd.explanations(node, disk), timeout=600,
                confirm=createmd.create_md_confirm(ctx, node)),
            Run(("sh", "-c", 'mkdir -p "${2%/*}" && printf %s "$1" > "$2"', "sh", marker, marker_path(ctx))),
        ),
        why="DRBD keeps its own small metadata (generation ids, bitmap of changed blocks) at the end of the "
            "partition. On a blank disk this needs no question; anything already there needs your typed "
            f"consent ({createmd.token(node, disk)}).",
        checks=(Check(md_probe(ctx, node), "drbd-md-exists", (str(d.minor),)),),
    )


def up_step(ctx: PlanContext, node: str) -> Step:
    d = ctx.spec.drbd
    # `adjust` brings a down resource up (attach + connect) and only fixes what differs on a running one,
    # so a re-run never fails with "already attached" the way `up` does.
    return Step(
        id=f"drbd-up@{node}", kind="drbd-up", title=f"start DRBD resource {d.resource}", host=node,
        actions=(_modprobe(), Run(("drbdadm", "adjust", d.resource), explain=(
            (10, f"drbdadm or the kernel refused {d.resource}. 'not defined in your config (for this host)': "
                 f"{node}'s `uname -n` differs from its name in the answers. 'No valid meta-data signature': "
                 "create-md has not run on this disk. Otherwise see the message above."),))),
        why="The tutorial's `/etc/init.d/drbd restart`: attach the partition and start listening for the peer.",
        checks=(Check(state_probe(ctx), "drbd-up", (str(d.minor),)),),
    )


def connect_args(ctx: PlanContext) -> tuple[str, ...]:
    """The wait's arguments: the minor for the condition, the rest for ``wizard.drbd.diagnose``."""
    s = ctx.spec
    return (str(s.drbd.minor), s.drbd.resource, s.peer_node.name, s.peer_node.address, str(s.drbd.port),
            s.master_node.address, s.master)


def wait_connected_step(ctx: PlanContext) -> Step:
    s = ctx.spec
    return Step(
        id="wait-connected", kind="wait-connected", title="wait for the nodes to connect", host=s.master,
        actions=(WaitFor(state_probe(ctx), "drbd-connected", connect_args(ctx), timeout=CONNECT_TIMEOUT_S,
                         interval=0.5, what=f"{s.master} and {s.peer_node.name} connecting"),),
        why="Both nodes must see each other (cs:Connected) before one of them is made the master.",
        checks=(Check(state_probe(ctx), "drbd-connected", (str(s.drbd.minor),)),),
    )


def promote_argv(ctx: PlanContext) -> tuple[str, ...]:
    r = ctx.spec.drbd.resource
    if ctx.drbd_family == "8.3":  # 8.0-8.3
        return ("drbdadm", "--", "--overwrite-data-of-peer", "primary", r)
    return ("drbdadm", "primary", "--force", r)


def promote_step(ctx: PlanContext) -> Step:
    s = ctx.spec
    m, p = s.master, s.peer_node.name
    c = Confirm(m, f"make {m} the master: {m}'s {s.master_node.disk} holds the good data and the first sync "
                   f"overwrites {p}'s {s.peer_node.disk} with it")
    return Step(
        id=f"promote@{m}", kind="promote", title=f"make {m} the master (its data wins)", host=m,
        actions=(
            WaitFor(state_probe(ctx), "drbd-promotable", (str(s.drbd.minor), p), timeout=30, interval=0.5,
                    what=f"{p} holds no better data"),
            Run(promote_argv(ctx), confirm=c),
        ),
        why="The first Primary decides whose data is copied: only the master is forced, only once.",
        # done once this node's disk is UpToDate: after the forced promote (or a finished sync) only
        checks=(Check(state_probe(ctx), "drbd-good-data-here", (str(s.drbd.minor),)),),
    )


def primary_step(ctx: PlanContext) -> Step:
    """Plain ``drbdadm primary`` on the master: a no-op right after the promote, needed after a reboot."""
    s = ctx.spec
    return Step(
        id=f"primary@{s.master}", kind="promote", title=f"{s.master} is DRBD Primary", host=s.master,
        actions=(Run(("drbdadm", "primary", s.drbd.resource), explain=(
            # the usual cause on a built pair: the cluster moved everything to the peer (a failover)
            (11, f"DRBD refused to make {s.master} Primary (its message is below); when {s.peer_node.name} is "
                 f"Primary, e.g. after a failover, hand the services back with `ha-wizard failover-test --back "
                 f"--confirm {s.peer_node.name}`, then run `ha-wizard resume`"),)),),
        checks=(Check(state_probe(ctx), "drbd-role", (str(s.drbd.minor), "Primary")),),
    )


def blank_proof_step(ctx: PlanContext, node: str) -> Step:
    d = ctx.spec.drbd
    disk = ctx.spec.node(node).disk
    return Step(
        id=f"blank-proof@{node}", kind="skip-sync", title=f"prove {disk} blank (all zeros)", host=node,
        actions=(Run(("sh", "-c", BLANK_PROOF, "sh", f"drbd{d.minor}", disk), timeout=SYNC_TIMEOUT_S, explain=(
            (1, f"{disk} on {node} is not blank (cmp shows the first byte that is not zero), so the initial "
                "sync cannot be skipped: set drbd.skip_initial_sync = false, or zero both partitions first "
                "(destroys them), then run `ha-wizard resume`"),
            (2, f"could not read {disk} or the DRBD device on {node}; see the message above"))),),
        why="Skipping the sync is only safe when both partitions hold the same bytes: zeros everywhere.",
        checks=(Check(state_probe(ctx), "drbd-good-data-here", (str(d.minor),)),),
    )


def skip_sync_argv(ctx: PlanContext) -> tuple[str, ...]:
    r = ctx.spec.drbd.resource
    if ctx.drbd_family == "9":
        return ("drbdadm", "new-current-uuid", "--clear-bitmap", r)
    return ("drbdadm", "--", "--clear-bitmap", "new-current-uuid", r)


def skip_sync_step(ctx: PlanContext) -> Step:
    s = ctx.spec
    m = s.master
    c = Confirm(m, f"declare both partitions identical without copying them (proven all zeros) and make {m} "
                   "the master")
    return Step(
        id=f"skip-sync@{m}", kind="promote", title="skip the initial sync (both disks blank)", host=m,
        actions=(WaitFor(state_probe(ctx), "drbd-skip-ready", (str(s.drbd.minor),), timeout=30, interval=0.5,
                         what="a fresh, connected pair"),
                 Run(skip_sync_argv(ctx), confirm=c)),
        checks=(Check(state_probe(ctx), "drbd-good-data-here", (str(s.drbd.minor),)),),
    )


def first_primary_steps(ctx: PlanContext) -> list[Step]:
    """What plan.py puts between wait-connected and wait-sync: the forced promote of the master, or (with
    skip_initial_sync on 8.4/9) the blank proofs and the cleared bitmap; then plain ``primary``."""
    s = ctx.spec
    if s.drbd.skip_initial_sync and ctx.drbd_family in ("8.4", "9"):
        return [blank_proof_step(ctx, s.master), blank_proof_step(ctx, s.peer_node.name), skip_sync_step(ctx),
                primary_step(ctx)]
    return [promote_step(ctx), primary_step(ctx)]


def wait_sync_step(ctx: PlanContext) -> Step:
    s = ctx.spec
    minor = str(s.drbd.minor)
    return Step(
        id="wait-sync", kind="wait-sync", title="initial sync", host=s.master,
        # interval 0.5: with the probe's own time the bar still moves more than once a second
        actions=(WaitFor(state_probe(ctx), "drbd-synced", (minor, str(SYNC_STALL_S)), timeout=SYNC_TIMEOUT_S,
                         interval=0.5, progress=True, what=f"initial sync {s.master} → {s.peer_node.name}"),),
        why="The master's partition is copied block by block to the peer; both end UpToDate.",
        checks=(Check(state_probe(ctx), "drbd-synced", (minor,)),),
    )


def mkfs_argv(fs: str, device: str) -> tuple[str, ...]:
    if fs == "xfs":
        # mkfs.xfs never asks: it refuses an existing signature unless -f. The admin's typed device name
        # is that consent.
        return ("mkfs.xfs", "-f", device)
    # No -F for mke2fs: it keeps its own safety checks (a mounted device is refused) and asks "Proceed
    # anyway?" when it finds a signature; the pty answers that only after the admin's confirmation.
    return (f"mkfs.{fs}", device)


def mkfs_step(ctx: PlanContext) -> Step:
    s = ctx.spec
    d, fs = s.drbd, s.storage.filesystem
    c = Confirm(d.device, f"create a new {fs} filesystem on {d.device} on {s.master}: whatever it holds is "
                          f"erased, on {s.peer_node.name}'s mirror too")
    return Step(
        id="mkfs", kind="mkfs", title=f"{fs} filesystem on {d.device}", host=s.master,
        actions=(Run(mkfs_argv(fs, d.device), prompts=(Prompt("Proceed anyway? (y,N)", "y"),), confirm=c,
                     timeout=3600, explain=((1, f"mkfs refused or failed: is {d.device} mounted, or is "
                                                f"{s.master} not DRBD Primary? See the output above."),)),),
        why="The filesystem goes on the DRBD device, never on the partition, so every write is mirrored.",
        checks=(Check(("blkid", "-p", "-o", "value", "-s", "TYPE", d.device), "blkid-type", (fs,)),),
    )


def mount_step(ctx: PlanContext) -> Step:
    s = ctx.spec
    mp = s.storage.mount_point
    return Step(
        id="mount", kind="mount", title=f"mount {mp}", host=s.master,
        # `mount <dir>` takes device, type and the noauto options from the fstab line the wizard wrote
        actions=(Run(("mount", mp), explain=((32, f"mount failed: {s.master} must be DRBD Primary and "
                                                  f"/etc/fstab must hold the ha-wizard line for {mp}."),)),),
        why="Mounted by hand on the master for now; later Heartbeat mounts it on whichever node is active.",
        checks=(Check(("cat", "/proc/mounts"), "mounted", (s.drbd.device, mp)),),
    )


def node_parse_check(ctx: PlanContext) -> Run:
    """This node's drbdadm parses the planned resource before anything is written.

    The text goes on stdin (never argv: it holds the shared secret), alone: drbdadm 8.4 cannot follow an
    include from stdin, and the resource needs nothing from global_common.conf. So STDIN:N in drbdadm's
    message is line N of the planned file.
    """
    family = ctx.drbd_family
    target = render.resource_path(ctx)
    return Run(
        remote_check_argv(family, "-"), input=render.drbd_text(ctx), timeout=60,
        explain=(
            (10, f"this node's drbdadm rejects the planned DRBD {family} configuration; nothing was written. "
                 f"STDIN:N above is line N of {target} (see it with `ha-wizard render`)."),
            (1, "drbdadm found no resource for this node: its `uname -n` must be one of the node names in the "
                "answers file."),
            (127, "drbdadm is missing on this node: install drbd-utils (`apt-get install drbd-utils`), then run "
                  "`ha-wizard resume`."),
        ),
    )


def drbd_config_step(ctx: PlanContext, node: str) -> Step:
    d = ctx.spec.drbd
    files = render.drbd_files(ctx, node)
    actions: list[Action] = [node_parse_check(ctx), *files, verify_written(files)]
    return Step(
        id=f"drbd-config@{node}", kind="drbd-config",
        title=f"DRBD {ctx.drbd_family} configuration of resource {d.resource}", host=node,
        actions=tuple(actions), checks=checksum_checks(files),
        why="Both nodes need the same resource definition: each node's partition and address, the shared "
            "secret, and what to do on split brain. The node's own drbdadm checks it before it is written.",
    )
