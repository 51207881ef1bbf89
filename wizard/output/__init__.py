"""What people read: the plan as text/JSON with diffs, the headless event printer, render-to-dir."""
