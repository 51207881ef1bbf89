"""Pacemaker + Corosync, the second cluster stack (issue 16): the stack choice, corosync.conf and its authkey,
the CIB as data (crmsh's `crm configure` script) and their checks by the real tools.

Rendered and checked, not yet set up: a plan whose stack resolves to Pacemaker is refused (``stack.REFUSAL``)
until the lab proves the pair (docs/pacemaker.md says what that step must do).
"""
