"""The plan's context: what every step builder reads (the Spec, the secrets, the DRBD syntax, the facts).

Every domain's step builders import ``PlanContext`` from here; the order of the tutorial's steps across
the domains is ``wizard.flow.tutorial.build_plan``. The plan is computed afresh on every run and resume
(never unpickled), so a changed answers file or a changed node is always reflected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.core.secrets import Secrets
from wizard.core.spec import Spec


@dataclass(frozen=True)
class PlanContext:
    spec: Spec
    secrets: Secrets
    drbd_family: str = "8.4"  # DRBD config/command syntax: "8.3", "8.4" or "9"
    drbd_family_source: str = "assumed (no node probed)"
    # The cluster manager the plan is for, resolved from the answers' cluster.stack ("auto": from the facts,
    # wizard.pacemaker.stack): "heartbeat" or "pacemaker".
    stack: str = "heartbeat"
    stack_source: str = "the answers"
    # Facts per node name, as gathered by wizard.nodes.gather (None when the node was not probed).
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def order(self) -> tuple[str, str]:
        """Master first: the tutorial configures the master, then the slave."""
        return self.spec.master, self.spec.peer_node.name

    def require_node(self, node: str) -> None:
        """Step builders take a node name: one that is not in the answers is a programming error."""
        if node not in (n.name for n in self.spec.nodes):
            raise ValueError(f"{node!r} is not one of the answers' nodes")
