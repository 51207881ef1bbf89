"""``drbdadm create-md`` through a pty: every question drbdmeta can ask, what ha-wizard types, and what
each exit code means.

drbdmeta asks with ``confirmed()``: it prints ``"\\n<question>\\n"`` then ``"[need to type 'yes' to
confirm] "`` on stderr and accepts exactly ``yes``. Every pattern below is the question's last line plus
that bracket, so a question is matched once, as a whole, and the catch-all bracket prompt (an unknown
question) never fires a second time for a known one. On a tty ``\\n`` arrives as ``\\r\\n``: the local
pty translates it (onlcr), and over ``ssh -tt`` the remote pty does while ssh keeps the local one raw.

Texts are the real ones (lab-captures/createmd-prompts-tty.txt, drbd-utils 9.22, and drbdmeta.c for the
rarer questions). Confirmation tokens: ``<node>:<disk>`` for anything create-md would overwrite on that
node's partition (headless: ``--confirm server2:/dev/sdb1``).
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.core.actions import Confirm, Prompt
from wizard.core.plan import PlanContext
from wizard.disks.choice import check_disk
from wizard.nodes.facts import NodeFacts

NEED_YES = "[need to type 'yes' to confirm]"
CRLF = "\r\n"

# The questions, as drbdmeta prints them (the last line of the question when it has two).
Q_OVERWRITE_MD = "Do you really want to overwrite the existing meta-data?"
Q_PROCEED = "Do you want to proceed?"  # after "Found <fs>" / "Found some data ==> This might destroy ..."
Q_OVERWRITE_EXTERNAL = "Do you really want to overwrite?"  # "Valid meta data seems to be in place."
# Answered "no" by the catch-all: "Valid v08 meta-data found, convert to v09?", "Move internal meta data
# from last-known position?", "Do you want to change the activity log stripe settings *only*?"
MD_FORMATS = ("v08", "v09")

# How create-md ended, in both spellings drbd-utils has used over the years.
CREATED = ("New drbd meta data block successfully created.", "New drbd meta data block sucessfully created.")
CANCELLED = ("Operation cancelled.", "Operation canceled.")
REFUSED = "Operation refused."

EXIT_REFUSED = 40  # drbdmeta: "Device size would be truncated" / "This would corrupt existing data"


def token(node: str, disk: str) -> str:
    """The typed confirmation for destroying something on ``disk`` of ``node``."""
    return f"{node}:{disk}"


def _q(question: str) -> str:
    return question + CRLF + NEED_YES


def prompts(node: str, disk: str) -> tuple[Prompt, ...]:
    """The prompt table for ``drbdadm create-md`` on ``disk`` of ``node``.

    Overwriting DRBD metadata or data needs the admin's typed ``node:disk``. Every other question
    (convert old metadata "Valid v08 meta-data found, convert to v09?", move it after an offline resize,
    change AL striping, anything newer) is a path ha-wizard did not plan: the catch-all answers "no", and
    drbdmeta then cancels or asks one of the overwrite questions, confirmed like the others.
    """
    t = token(node, disk)
    md = Confirm(t, f"drbdadm create-md found DRBD metadata from an earlier setup on {disk} of {node}; "
                    "overwriting it forgets which node had the good data (the partition's data stays)")
    data = Confirm(t, f"drbdadm create-md found data on {disk} of {node} (see its output above); DRBD's "
                      "metadata will overwrite the end of the partition")
    return (
        Prompt(_q(Q_OVERWRITE_MD), "yes", confirm=md),
        Prompt(_q(Q_OVERWRITE_EXTERNAL), "yes", confirm=md),
        Prompt(_q(Q_PROCEED), "yes", confirm=data),
        # after "convert?" was refused: "So you want me to replace the v08 meta-data\nwith newly
        # initialized v09 meta-data?"
        *(Prompt(_q(f"with newly initialized {to} meta-data?"), "yes", confirm=md) for to in MD_FORMATS),
        Prompt(NEED_YES, "no"),  # any other question: refused; drbdmeta cancels and changes nothing
    )


def explain_refused(node: str, disk: str, usable_kib: int | None = None) -> str:
    room = f" (DRBD keeps the first {usable_kib} KiB)" if usable_kib else ""
    return (
        f"drbdmeta refused (exit 40): {disk} on {node} holds a filesystem that reaches into the end of the "
        f"partition, where DRBD's internal metadata goes{room}; writing it would cut the filesystem off. "
        "Nothing was changed. Three ways out: "
        "(1) external metadata: put DRBD's metadata on a separate small partition "
        "(drbd.meta_disk = \"/dev/sdXN\" in the answers) and keep the filesystem as it is — recommended "
        "when the data matters; "
        "(2) shrink the filesystem first so it ends before the metadata (ext3/ext4: e2fsck -f, then "
        "resize2fs DEVICE SIZE, unmounted; xfs cannot shrink); "
        f"(3) wipe the partition if nothing on it is needed (destroys it): wipefs -a {disk}. "
        "Then run `ha-wizard resume`."
    )


def explanations(node: str, disk: str, usable_kib: int | None = None) -> tuple[tuple[int, str], ...]:
    """``Run.explain`` for create-md: exit code -> plain words."""
    return (
        (EXIT_REFUSED, explain_refused(node, disk, usable_kib)),
        (1, f"create-md stopped and left {disk} on {node} as it was: a question was answered 'no' (see the "
            "output above; a question ha-wizard does not know is always refused). Check what is on the "
            "partition (`wipefs " + disk + "`), then run `ha-wizard resume`."),
        (10, "drbdadm could not use the resource configuration on this node. If it says 'not defined in "
             "your config (for this host)', this node's `uname -n` is not the name in the answers."),
        (20, f"drbdmeta would not open {disk}: DRBD is probably running on it already (then its metadata "
             "exists: `cat /proc/drbd`), or the partition is in use (mounted, LVM, swap)."),
        (124, "create-md waited for an answer that never came and was stopped; nothing was confirmed."),
    )


@dataclass(frozen=True)
class Outcome:
    kind: str  # created | cancelled | refused | failed
    text: str


def outcome(rc: int, text: str) -> Outcome:
    """How a create-md run ended, from its exit code and output (either spelling)."""
    if rc == 0 and any(s in text for s in CREATED):
        return Outcome("created", "DRBD metadata created")
    if rc == EXIT_REFUSED or REFUSED in text:
        return Outcome("refused", "drbdmeta refused to write metadata over the filesystem (exit 40)")
    if any(s in text for s in CANCELLED):
        return Outcome("cancelled", "create-md cancelled; nothing written")
    return Outcome("failed", f"create-md failed (exit {rc})")


def create_md_confirm(ctx: PlanContext, node: str) -> Confirm | None:
    """The typed confirmation ``drbdadm create-md`` on ``node`` needs before it runs (Run.confirm), or None
    when the gathered facts prove the target blank. Token ``node:device`` (headless ``--confirm``).

    With internal meta-data the target is the node's disk; with external meta-data it is the meta device
    (the data partition is not written by create-md). Without facts for the node (not gathered, not
    contacted) this returns None: drbdmeta's own questions still stop at anything it finds
    (``wizard.drbd.createmd.prompts``)."""
    facts = ctx.facts.get(node)
    if not isinstance(facts, NodeFacts) or not facts.reached:
        return None
    meta = ctx.spec.drbd.meta_disk
    target = ctx.spec.node(node).disk if meta == "internal" else meta.split("[")[0]
    return check_disk(facts, node, target, meta_disk="internal" if meta == "internal" else target).confirm
