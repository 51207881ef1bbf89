"""The whole run, composed from the parts: open a session (spec, executors, facts), order the tutorial's
steps into the plan, check every config file, apply and resume."""
