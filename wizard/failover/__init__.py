"""The failover drill: kill or stop the master, measure the peer's takeover."""
