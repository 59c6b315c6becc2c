"""The pure model: declared parameters and outputs, rules, the month, randomness, steps, strategies. No file I/O, plotting, CLI or web code."""
