"""Generated blocks in documents: the text between a begin and an end marker, which a script
rewrites (benchmarks/make_readme.py, tools/gen_odd_params.py, tools/mutation_check.py)."""

from __future__ import annotations


def _split(text: str, begin: str, end: str) -> tuple[str, str, str]:
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise ValueError(f"needs one {begin!r} marker and, after it, one {end!r} marker")
    head, rest = text.split(begin)
    body, tail = rest.split(end)
    return head, body, tail


def block(text: str, begin: str, end: str) -> str:
    """What lies between the markers, without the line breaks around it. Raises ValueError
    unless each marker occurs once, ``begin`` first."""
    return _split(text, begin, end)[1].strip("\n")


def replace_block(text: str, begin: str, end: str, body: str) -> str:
    """``text`` with what lies between the markers replaced by ``body`` on lines of its own.
    Raises ValueError unless each marker occurs once, ``begin`` first."""
    head, _, tail = _split(text, begin, end)
    return f"{head}{begin}\n{body}\n{end}{tail}"
