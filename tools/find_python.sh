#!/usr/bin/env bash
# Print the path of a Python >= 3.12 found on this machine, or explain what is needed and fail.
set -u
want_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
cands=()
[ -n "${PYTHON:-}" ] && cands+=("$PYTHON")
for v in python3.12 python3.13 python3.14; do command -v "$v" >/dev/null 2>&1 && cands+=("$(command -v "$v")"); done
root=""
if command -v pyenv >/dev/null 2>&1; then root=$(pyenv root 2>/dev/null); fi
[ -z "$root" ] && [ -d "$HOME/.pyenv" ] && root="$HOME/.pyenv"
if [ -n "$root" ]; then
  for d in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -V); do cands+=("$d/bin/python"); done
fi
for d in /usr/bin/python3 /usr/local/bin/python3 python3; do cands+=("$d"); done
for c in "${cands[@]}"; do
  if [ -x "$c" ] || command -v "$c" >/dev/null 2>&1; then
    if want_ok "$c"; then echo "$c"; exit 0; fi
  fi
done
echo "alignsim needs Python >= 3.12 (Mesa 3.4+ requires it) and none was found." >&2
echo "Looked for: \$PYTHON, python3.12-3.14 on PATH, pyenv versions 3.12+, python3." >&2
echo "Install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
exit 1
