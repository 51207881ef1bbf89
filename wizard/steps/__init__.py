"""Step builders, one module per part of the tutorial. Each returns ``Step`` values; none runs anything."""
