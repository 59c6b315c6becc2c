"""Parameter uncertainty in an ensemble: which parameters are drawn, from what, for which run.

An experiment's ``[uncertainty]`` table (``sim.experiments.spec``) becomes an
:class:`Uncertainty`: the parameters drawn for each run (the priors of ``sim.core.priors``,
minus the experiment's factors and the pinned ones), where their values come from (the priors,
or the calibration's accepted sample) and how many replications share one draw. Replication r
uses draw r // seeds_per_draw, and draw j is the same vector at every design point, so
differences between points stay paired. The batch workers call :meth:`Uncertainty.values` for
the replications of their chunk; the runs table records the draw index and every drawn value
(``draw``, ``theta_<name>``).

Modes (``parameters``):

- ``prior`` (the default): every drawn parameter from its uniform prior.
- ``posterior``: the parameters the calibration fits from its accepted ABC sample
  (:data:`POSTERIOR_SAMPLE`, written by ``alignsim calibrate``; each draw takes one row, so the
  sample's correlations are kept), the others from their priors.
- ``pinned``: nothing drawn; every run uses its scenario's values (the model's behaviour before
  parameter uncertainty, to the bit).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.core import priors as PR
from sim.core.params import CONSTRAINTS, Scenario
from sim.errors import UserError

Arr = npt.NDArray[Any]

#: How the uncertain parameters are set: drawn from their priors, from the calibration's
#: accepted sample, or pinned at the scenario's values.
MODES = ("prior", "posterior", "pinned")
#: Replications that share one parameter draw, unless the experiment says otherwise.
DEFAULT_SEEDS_PER_DRAW = 5
#: The calibration's accepted ABC sample (``alignsim calibrate`` writes it).
POSTERIOR_SAMPLE = Path(__file__).resolve().parents[2] / "data" / "calibration" / "posterior.csv"
#: Prefix of the runs table's columns of drawn values.
THETA_PREFIX = "theta_"


@dataclass(frozen=True)
class Uncertainty:
    """How an ensemble's uncertain parameters are set (an experiment's ``[uncertainty]``).

    Attributes:
        parameters: ``prior``, ``posterior`` or ``pinned`` (:data:`MODES`).
        seeds_per_draw: replications sharing one draw (replication r uses draw r // this).
        pin: parameters the experiment keeps at the scenario's values.
        seed: the draws' seed (an experiment's default: its root seed).
        names: the drawn parameters (the priors minus factors and pins; none when pinned).
        priors: the priors of ``names``.
        posterior: the accepted sample's columns (name, values), in posterior mode.
        posterior_file: where the sample was read from, and its sha256.
    """

    parameters: str = "pinned"
    seeds_per_draw: int = DEFAULT_SEEDS_PER_DRAW
    pin: tuple[str, ...] = ()
    seed: int = 0
    names: tuple[str, ...] = ()
    priors: tuple[PR.Prior, ...] = ()
    posterior: tuple[tuple[str, tuple[float, ...]], ...] = ()
    posterior_file: tuple[str, str] = ("", "")

    @property
    def drawn(self) -> bool:
        """True when the runs draw parameters (a mode other than pinned, something to draw)."""
        return self.parameters != "pinned" and bool(self.names)

    def draws(self, replications: int) -> int:
        """How many draws ``replications`` replications per point use."""
        return -(-int(replications) // self.seeds_per_draw) if self.drawn else 0

    def draw_index(self, replications: npt.ArrayLike) -> Arr:
        """The draw of each replication (replication r: draw r // seeds_per_draw)."""
        return PR.draw_of_replication(replications, self.seeds_per_draw)

    def values(self, replications: npt.ArrayLike) -> dict[str, Arr]:
        """The drawn parameters' values for runs with these replication indices: name -> (n,)
        float array (empty when nothing is drawn). A pure function of (seed, draw index)."""
        if not self.drawn:
            return {}
        d = self.draw_index(replications)
        # replications sharing a draw share its values: compute each draw once
        if d.shape[0] > 1 and bool(np.all(d[1:] >= d[:-1])):  # sorted (a chunk's usual order)
            first = np.concatenate([[True], d[1:] != d[:-1]])
            unique, inverse = d[first], np.cumsum(first) - 1
        else:
            unique, inverse = np.unique(d, return_inverse=True)
        out = PR.draws_at(self.priors, self.seed, unique)
        if self.parameters == "posterior" and self.posterior:
            rows = PR.posterior_rows(self.seed, unique, len(self.posterior[0][1]))
            columns = _posterior_arrays(self.posterior)
            for name in out:
                if name in columns:
                    out[name] = columns[name][rows]
        return {name: values[inverse] for name, values in out.items()}

    def record(self) -> dict[str, Any]:
        """The settings as JSON (the manifest's ``uncertainty``)."""
        d: dict[str, Any] = {
            "parameters": self.parameters,
            "seeds_per_draw": self.seeds_per_draw,
            "pin": list(self.pin),
            "seed": self.seed,
            "drawn": list(self.names),
            "priors": [
                {"name": p.name, "lo": p.lo, "hi": p.hi, "integer": p.integer} for p in self.priors
            ],
        }
        if self.parameters == "posterior":
            d["posterior_file"] = {"path": self.posterior_file[0], "sha256": self.posterior_file[1],
                                   "rows": len(self.posterior[0][1]) if self.posterior else 0,
                                   "columns": [n for n, _ in self.posterior]}  # fmt: skip
        return d

    def hash_record(self) -> dict[str, Any] | None:
        """What the runs depend on, for the design hash; None when nothing is drawn (so a pinned
        experiment keeps the hash it had before parameters were drawn)."""
        if not self.drawn:
            return None
        d = self.record()
        d.pop("pin")
        d.pop("posterior_file", None)
        if self.parameters == "posterior":
            d["posterior_sha256"] = self.posterior_file[1]
        return d


@functools.lru_cache(maxsize=4)
def _posterior_arrays(posterior: tuple[tuple[str, tuple[float, ...]], ...]) -> dict[str, Arr]:
    """The accepted sample's columns as arrays (made once per sample, not once per chunk)."""
    return {name: np.asarray(column, dtype=float) for name, column in posterior}


def pinned(u: Uncertainty) -> Uncertainty:
    """``u`` with every parameter pinned (nothing drawn)."""
    return Uncertainty(parameters="pinned", seeds_per_draw=u.seeds_per_draw, pin=u.pin, seed=u.seed)


def resolve(
    parameters: str,
    seeds_per_draw: int,
    pin: Sequence[str],
    seed: int,
    factor_keys: Sequence[str],
    priors: Sequence[PR.Prior] = PR.PRIORS,
    sample: Path | None = None,
) -> Uncertainty:
    """The :class:`Uncertainty` of an ensemble: the drawn parameters are ``priors`` minus the
    factors (a factor always wins over a draw) and minus ``pin``.

    Raises:
        UserError: posterior mode without a readable accepted sample.
    """
    if parameters not in MODES:
        raise UserError("unknown parameter mode", key="uncertainty.parameters",
                        expected=" | ".join(MODES), found=parameters)  # fmt: skip
    if parameters == "pinned":
        return Uncertainty("pinned", seeds_per_draw, tuple(pin), seed)
    names = PR.uncertain_names(priors, [*factor_keys, *pin])
    chosen = tuple(p for p in priors if p.name in names)
    posterior: tuple[tuple[str, tuple[float, ...]], ...] = ()
    source = ("", "")
    if parameters == "posterior":
        columns, source = read_posterior(sample or POSTERIOR_SAMPLE)
        by_name = {p.name: p for p in chosen}
        for name, values in columns.items():
            if name in by_name:
                p = by_name[name]
                if values.min() < p.lo or values.max() > p.hi:
                    raise UserError("the posterior sample lies outside the prior",
                                    file=source[0], key=name,
                                    expected=f"values in [{p.lo}, {p.hi}]",
                                    found=f"[{values.min()}, {values.max()}]",
                                    hint="run `alignsim calibrate` again")  # fmt: skip
                posterior += ((name, tuple(float(v) for v in values)),)
    return Uncertainty(parameters, seeds_per_draw, tuple(pin), seed, names, chosen, posterior,
                       source)  # fmt: skip


def read_posterior(path: Path) -> tuple[dict[str, Arr], tuple[str, str]]:
    """The accepted sample's parameter columns (every column of a declared parameter) and
    (path, sha256 of the file).

    Raises:
        UserError: no such file, an unreadable one, or one without parameter columns.
    """
    import csv
    import io

    from sim.core.params import PARAM_FIELDS

    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UserError("no accepted posterior sample", file=path,
                        expected="the CSV `alignsim calibrate` writes",
                        hint='run `alignsim calibrate`, or use parameters = "prior"') from None  # fmt: skip
    except OSError as e:
        raise UserError(f"cannot read the posterior sample ({e})", file=path) from None
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    if len(rows) < 2:
        raise UserError("an empty posterior sample", file=path, expected="a header and rows")
    header = rows[0]
    cols: dict[str, Arr] = {}
    for j, name in enumerate(header):
        if name in PARAM_FIELDS:
            try:
                cols[name] = np.array([float(r[j]) for r in rows[1:]], dtype=float)
            except (ValueError, IndexError):
                raise UserError("a posterior sample with a bad value", file=path, key=name,
                                expected="a number in every row") from None  # fmt: skip
    if not cols:
        raise UserError("a posterior sample without parameter columns", file=path,
                        expected="columns named after declared parameters",
                        found=header[:5])  # fmt: skip
    return cols, (str(path), hashlib.sha256(raw).hexdigest())


def constraint_problem(u: Uncertainty, scenario: Scenario) -> tuple[str, str] | None:
    """(key, what is expected) when some draw could break a constraint between parameters
    (``sim.core.params.CONSTRAINTS``) at this scenario, or None. Judged at the worst case: the
    drawn parameter at the end of its prior that comes closest to the other."""
    if not u.drawn:
        return None
    by_name = {p.name: p for p in u.priors}
    for lower, upper, text in CONSTRAINTS:
        if lower not in by_name and upper not in by_name:
            continue
        lo_max = by_name[lower].hi if lower in by_name else getattr(scenario.params, lower)
        up_min = by_name[upper].lo if upper in by_name else getattr(scenario.params, upper)
        if not lo_max < up_min:
            drawn = [n for n in (lower, upper) if n in by_name]
            return (drawn[0], f"{text} for every draw (the prior of {', '.join(drawn)} reaches "
                              f"{lo_max if lower in by_name else up_min}; the scenario gives "
                              f"{getattr(scenario.params, upper if lower in by_name else lower)})")  # fmt: skip
    return None


def theta_column(name: str) -> str:
    """The runs table's column of a drawn parameter's values."""
    return THETA_PREFIX + name


def theta_names(columns: Sequence[str]) -> list[str]:
    """The drawn parameters of a runs table, from its ``theta_<name>`` columns."""
    return [c[len(THETA_PREFIX) :] for c in columns if c.startswith(THETA_PREFIX)]
