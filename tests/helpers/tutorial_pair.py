"""The tutorial's pair as an admin writes it by hand on the two lab VMs (node1 the master, node2 the slave, linked
by 10.99.0.0/24): the DRBD resource, Heartbeat's three files, /etc/hosts and the fstab line. The lab test builds
the pair with these texts (tests/lab/handbuilt.py); the doctor unit tests read nodes that hold them."""

from __future__ import annotations

VIP = "10.99.0.100"
SECRET = "vmrigsecret"
RES = "/etc/drbd.d/r0.res"
AUTHKEYS = "/etc/ha.d/authkeys"

R0_RES = f"""resource r0 {{
  protocol C;
  net {{ cram-hmac-alg sha1; shared-secret "{SECRET}"; }}
  disk {{ resync-rate 100M; }}
  on node1 {{
    device    /dev/drbd0;
    disk      /dev/vdb1;
    address   10.99.0.1:7788;
    meta-disk internal;
  }}
  on node2 {{
    device    /dev/drbd0;
    disk      /dev/vdb1;
    address   10.99.0.2:7788;
    meta-disk internal;
  }}
}}
"""
HA_CF = """logfile /var/log/ha-log
logfacility none
keepalive 1
warntime 3
deadtime 5
initdead 10
udpport 694
ucast eth1 10.99.0.1
ucast eth1 10.99.0.2
auto_failback off
crm no
node node1
node node2
"""
# The tutorial's line with today's names: IPaddr (the image has net-tools' ifconfig), drbddisk for datadisk.
HARESOURCES = f"node1 IPaddr::{VIP}/24/eth1 drbddisk::r0 Filesystem::/dev/drbd0::/replicated::ext3 apache2\n"
AUTHKEYS_TEXT = "auth 1\n1 sha1 vmrig-ha-secret\n"
HOSTS = f"10.99.0.1 node1\n10.99.0.2 node2\n{VIP} mail\n"
FSTAB_LINE = "/dev/drbd0 /replicated ext3 noauto 0 0"
APACHE_PATHS = ("/etc/apache2", "/var/www")
