"""Pacemaker + Corosync, the second cluster stack (issue 16): the stack choice, corosync.conf and its authkey,
the CIB as data (crmsh's `crm configure` script) and their checks by the real tools, the steps that set the
pair up, crm_mon read for the conditions, status, the failover drill and doctor.
"""
