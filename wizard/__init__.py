"""ha-wizard core: answers -> spec -> plan -> actions -> executors -> journal.

This package never imports textual; the TUI lives in ``screens``.
"""

__version__ = "0.1.0"
