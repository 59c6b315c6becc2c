"""Drivers of the one month: the Mesa model with its agents (one inspectable run) and the compiled batch engine (many runs)."""
