#!/bin/sh
# Regenerates the crm_mon XML fixtures in this folder from the project's own CIB script (the lab-pacemaker
# golden cib.crm), with the real Pacemaker 2.1.5 tools of this machine and no cluster: crmsh loads the
# script into an empty CIB file (as wizard/pacemaker/confcheck.py does), crm_simulate brings the nodes up
# and runs the transitions, and `crm_mon -1 --output-as=xml` reads each resulting CIB file.
# The DRBD agent's promotion score (the transient attribute master-p_drbd_r0, set by ocf:linbit:drbd on a
# node with UpToDate data) is set by hand where a node must take over: crm_simulate runs no agent.
# Usage: tests/data/crm_mon/make.sh   (needs crmsh and pacemaker-cli-utils: scripts/setup --test)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" LC_ALL=C
cd "$tmp"
mon() { CIB_file="$1" crm_mon -1 --output-as=xml | sed 's/<last_update time="[^"]*"/<last_update time=""/' > "$here/$2"; }
sim() { crm_simulate -x "$1" -S -O "$2" >/dev/null 2>&1; }
cp "$root/tests/unit/flow/golden/lab-pacemaker-8.4/var/lib/ha-wizard/cib.crm" cib.crm
cibadmin --empty > cib.xml
CIB_file=cib.xml crm -F configure load update cib.crm >/dev/null 2>&1 || true  # systemd:apache2 is not here
# Corosync and Pacemaker just started on both nodes, before the CIB is loaded
cibadmin --empty > empty.xml
crm_simulate -x empty.xml --node-up node1 --node-up node2 -S -O empty-up.xml >/dev/null 2>&1
mon empty-up.xml online-no-resources.xml
# the CIB loaded: DRBD Promoted on node1 (the master's preference), the group started there
crm_simulate -x cib.xml --node-up node1 --node-up node2 -S -O up.xml >/dev/null 2>&1
mon up.xml promoted-node1.xml
# node1 lost (power cut): node2 Unpromoted, nothing runs until the agent's score lets it promote
crm_simulate -x up.xml --node-down node1 -S -O lost.xml >/dev/null 2>&1
sim lost.xml lost2.xml
mon lost2.xml node1-lost.xml
CIB_file=lost2.xml crm_attribute -N node2 -n master-p_drbd_r0 -l reboot -v 10000
sim lost2.xml taken.xml
mon taken.xml promoted-node2.xml
# node1 put in standby (the graceful drill): the group moves to node2
cp up.xml sb.xml
CIB_file=sb.xml crm_attribute -N node1 -n standby -v on
CIB_file=sb.xml crm_attribute -N node2 -n master-p_drbd_r0 -l reboot -v 10000
sim sb.xml sb2.xml
mon sb2.xml node1-standby.xml
# the same as promoted-node1 with STONITH on (what doctor and status must not call "disabled")
cp up.xml st.xml
CIB_file=st.xml crm_attribute -t crm_config -n stonith-enabled -v true
mon st.xml stonith-enabled.xml
# doctor's readings of the same CIB: its constraints, and crm_verify -L on it with STONITH on but no device
CIB_file=up.xml cibadmin -Q -o constraints > "$here/constraints.xml"
cp up.xml nost.xml
CIB_file=nost.xml crm_attribute -t crm_config -n stonith-enabled -v true
CIB_file=nost.xml crm_verify -L -V > "$here/crm-verify-no-stonith.txt" 2>&1 || true
# not-running.xml: `crm_mon -1 --output-as=xml` on this machine with no cluster running (exit 102), by hand
