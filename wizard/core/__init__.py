"""The core: answers → spec → plan → actions → engine → journal, with events and the condition registry.

It knows no part of the tutorial (no DRBD, no Heartbeat, no service): the parts build on it.
"""
