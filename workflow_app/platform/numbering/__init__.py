"""Official numbers (编号、文号): registered kinds, configurable patterns per bureau, gap-free counters per year."""
