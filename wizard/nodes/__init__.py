"""The two servers themselves: what they are (facts gathered in one round trip), whether they reach each
other, the peer's SSH login, the preflight report, and the /etc/hosts and mount point steps."""
