"""The ha-wizard lab: two real Debian 12 VMs (kernel DRBD 8.4 + Heartbeat 3) under qemu, for tests and demos.

``Lab`` boots node1 and node2 from a cached image (see ``image``), linked by a private VM-to-VM network,
each reachable from the host only through ``127.0.0.1:<port>`` SSH. ``ha-wizard lab`` drives it.
"""

from wizard.lab.common import LabError, default_lab_dir
from wizard.lab.image import Image, ensure_image
from wizard.lab.vms import Lab, NodeStatus, SshError

__all__ = ["Image", "Lab", "LabError", "NodeStatus", "SshError", "default_lab_dir", "ensure_image"]
