"""Pacemaker + Corosync, the second cluster stack (issue 16): the stack choice, corosync.conf and its authkey,
the CIB as data (crmsh's `crm configure` script) and their checks by the real tools, the steps that set the
pair up, crm_mon read for the conditions, status, the failover drill and doctor.

Planned whole, not yet applied: a real apply or resume of a Pacemaker plan is refused (``stack.require_applicable``,
the one gate) until the lab proves the pair (docs/pacemaker.md says what that step must do).
"""
