"""The command line: ``ha-wizard`` and its subcommands (kept light: ``--help`` must answer fast)."""
