"""Class mode (``alignsim class``): one instructor and a class of students on one machine.

``state`` holds the class session's rules (no web code), ``server`` the Starlette app that serves
the instructor's and the students' pages from ``static/`` (no CDN, no outside request), and
``presets.toml`` the exercise presets a session is opened from. A stylised teaching model, not a
forecast.
"""
