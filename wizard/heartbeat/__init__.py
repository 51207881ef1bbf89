"""Heartbeat, the tutorial's cluster manager: ha.cf, haresources and authkeys (rendered and checked), and
starting it on both nodes."""
