"""DRBD: its config (rendered and checked by drbdadm), create-md through a pty, bring-up, sync, mkfs and
mount steps, the conditions their waits poll, status parsers, diagnosis and the link measurement."""
