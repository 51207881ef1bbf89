"""DRBD conditions for waits and checks (connected, synced, role). Filled in by the DRBD bring-up work."""
