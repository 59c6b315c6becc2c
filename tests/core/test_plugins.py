"""Registering strategies and shock kinds from other packages: what is refused, and how a
broken entry point is reported (the example package's end-to-end test is
tests/test_extension_example.py; it registers in a fresh process, because this one may have
compiled the month already)."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import pytest

import sim.plugins as plugins
from sim.core import params
from sim.core import strategies as S
from sim.errors import UserError


def rule9(month: int, feasible: int, affordable: int, available: int, motivated: bool,
          partner_last: int, since_own_step: int, can_reverse: bool,
          min_interval: float) -> tuple[int, int]:  # fmt: skip
    return S.NONE, 0


class Fine(S.Strategy):
    name = "fine_for_a_test"
    description = "proposes nothing"
    rule = staticmethod(rule9)


def test_a_rule_with_other_arguments_is_refused_naming_them() -> None:
    class Short(S.Strategy):
        name = "short_rule"
        rule = staticmethod(lambda month, feasible: (S.NONE, 0))

    with pytest.raises(S.StrategyError, match="takes 2 arguments .* a rule takes 9: month"):
        S.register_strategy(Short)
    assert "short_rule" not in S.STRATEGY_ID


@pytest.mark.parametrize(
    ("name", "rule", "message"),
    [("small_steps", rule9, "is taken"), ("no rule", rule9, "letters, digits"),
     ("norule", None, "has no rule")],
)  # fmt: skip
def test_a_taken_name_a_bad_name_or_no_rule_is_refused(name: str, rule: Any, message: str) -> None:
    cls = type("X", (S.Strategy,), {"name": name, "rule": staticmethod(rule) if rule else None})
    with pytest.raises(S.StrategyError, match=message):
        S.register_strategy(cls)
    assert S.STRATEGY_NAMES[: S.FIRST_PLUGIN_ID] == [
        "small_steps", "grand_bargain", "tit_for_tat", "status_quo", "hardline"
    ]  # fmt: skip


def test_registration_after_the_month_was_compiled_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(S, "_sealed", [True])
    with pytest.raises(S.StrategyError, match="after the month was compiled"):
        S.register_strategy(Fine)
    assert "fine_for_a_test" not in S.STRATEGY_ID


def test_the_built_in_ids_do_not_move() -> None:
    assert [S.STRATEGY_ID[n] for n in ("small_steps", "grand_bargain", "tit_for_tat",
            "status_quo", "hardline")] == [0, 1, 2, 3, 4]  # fmt: skip
    assert S.FIRST_PLUGIN_ID == 5
    # an id past the built-in ones with no plugin registered proposes nothing
    assert S.decide(S.FIRST_PLUGIN_ID + 7, 1, -1, -1, -1, True, 0, 99, False, 1.0) == (S.NONE, 0)


@pytest.fixture
def fresh_loader(monkeypatch: pytest.MonkeyPatch) -> Any:
    """load_plugins as in a new process, with these entry points, and a copy of the kinds."""
    monkeypatch.setattr(plugins, "_done", [False])
    monkeypatch.setattr(plugins, "_loaded", [])
    monkeypatch.delenv("ALIGNSIM_NO_PLUGINS", raising=False)
    monkeypatch.setattr(params, "SHOCK_KINDS", dict(params.SHOCK_KINDS))
    monkeypatch.setattr(params, "EVENT_KINDS", dict(params.EVENT_KINDS))

    def use(*eps: EntryPoint) -> None:
        monkeypatch.setattr(
            plugins, "entry_points", lambda group: [e for e in eps if e.group == group]
        )

    return use


def test_a_plugin_that_does_not_import_is_reported_by_its_entry_point(fresh_loader: Any) -> None:
    fresh_loader(EntryPoint("broken", "no_such_module_here:Thing", plugins.STRATEGY_GROUP))
    with pytest.raises(UserError) as e:
        plugins.load_plugins()
    assert e.value.key == "entry point alignsim.strategies:broken"
    assert "ModuleNotFoundError" in e.value.message
    assert e.value.found == "no_such_module_here:Thing"


def test_a_shock_kind_plugin_registers_from_a_dict_and_bad_ones_are_located(
    fresh_loader: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    module = types.ModuleType("fake_kinds")
    module.GOOD = {"name": "embargo", "description": "an embargo", "target": "china_coercion",  # type: ignore[attr-defined]
                   "op": "set", "value": 0.9, "duration": 3}  # fmt: skip
    module.BAD = {"name": "blockade", "description": "x", "target": "china_coersion"}  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "fake_kinds", module)
    fresh_loader(EntryPoint("embargo", "fake_kinds:GOOD", plugins.SHOCK_KIND_GROUP))
    assert plugins.load_plugins() == ["alignsim.shock_kinds:embargo"]
    assert params.SHOCK_KINDS["embargo"].target == "china_coercion"
    assert plugins.load_plugins() == ["alignsim.shock_kinds:embargo"]  # once a process

    monkeypatch.setattr(plugins, "_done", [False])
    fresh_loader(EntryPoint("blockade", "fake_kinds:BAD", plugins.SHOCK_KIND_GROUP))
    with pytest.raises(UserError) as e:
        plugins.load_plugins()
    assert "alignsim.shock_kinds:blockade" in (e.value.key or "")
    assert "did you mean 'china_coercion'" in str(e.value.expected)


def test_no_plugins_are_loaded_when_asked(
    fresh_loader: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh_loader(EntryPoint("broken", "no_such_module_here:Thing", plugins.STRATEGY_GROUP))
    monkeypatch.setenv("ALIGNSIM_NO_PLUGINS", "1")
    assert plugins.load_plugins() == []
