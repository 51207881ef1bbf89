"""``ha-wizard doctor``: audit an existing DRBD + Heartbeat pair, read-only, every finding with its evidence and fix.

Facts in, findings out: ``probe`` reads each node in one round trip (through a dry-run executor, so no change
can happen), ``discover`` works out the pair from the answers or from the node's own files, and each module
of ``checks/`` is a set of pure functions from those facts to ``Finding``s. Only the CLI command imports this
package.
"""
