"""Subcommands of the alignsim CLI, discovered automatically (see sim/cli.py)."""
