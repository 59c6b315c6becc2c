"""A worked example of an alignsim extension: the ``steady_pace`` strategy and the
``trade_war`` shock kind, registered through entry points (see docs/EXTENDING.md)."""
