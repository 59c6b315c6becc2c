"""The classroom: the interactive app and the play mode."""
