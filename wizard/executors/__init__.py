"""Executors: the local machine, the peer over SSH, and dry-run. One interface: ``base.Executor``."""
