"""The preflight report: every requirement checked on both nodes before anything changes (read-only), with
the peer's reachability (ping, ports, routes) from the master."""
