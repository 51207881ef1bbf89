"""What a node's probe prints for DRBD, the mounts and the addresses (the lab's node1/node2, DRBD 8.4), shared by the
stacks' condition, status and drill tests."""

from __future__ import annotations

PRIMARY = "version: 8.4.11\n 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n"
SECONDARY = "version: 8.4.11\n 0: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----\n"
MOUNTED = "/dev/vda / ext4 rw 0 0\n/dev/drbd0 /replicated ext4 rw,relatime 0 0\n"
BARE = "/dev/vda / ext4 rw 0 0\n"
VIP = "3: eth1    inet 10.99.0.1/24 brd 10.99.0.255 scope global eth1\n" \
      "3: eth1    inet 10.99.0.100/24 brd 10.99.0.255 scope global secondary eth1\n"
NO_VIP = "3: eth1    inet 10.99.0.2/24 brd 10.99.0.255 scope global eth1\n"
