"""The services made redundant: recipes (data files in ``recipes/``) and the steps that move their config and
data onto the replicated disk."""
