"""alignsim."""
