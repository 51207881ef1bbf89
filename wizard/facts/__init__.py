"""Pure parsers: command output text in, frozen dataclasses out (no I/O; the executors feed them)."""
