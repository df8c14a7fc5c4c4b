"""Neuron model descriptions: NEST's names and defaults, validation, the documented tables."""

import math
import re
from pathlib import Path

import pytest

import snn

DOCS = Path(__file__).resolve().parents[2] / "docs" / "snn.md"
MODELS = [
    snn.LIF(synapse="delta"),
    snn.LIF(synapse="exp"),
    snn.LIFCond(),
    snn.AdEx(),
    snn.Izhikevich(),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.nest_model)
def test_the_documented_table_is_the_models_own(model):
    """docs/snn.md lists every parameter with its unit and default, under NEST's model name."""
    text = DOCS.read_text()
    section = text[text.index(f"NEST `{model.nest_model}`") :]
    section = section[: section.index("Recordable")]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \| ([^|]+) \|", section, re.M)
    documented = {name: (unit.strip(), default.strip()) for name, unit, default in rows}
    assert list(documented) == [p.name for p in model.PARAMETERS]
    for p in model.PARAMETERS:
        unit, default = documented[p.name]
        assert unit == (p.unit or "—")
        expected = "none (−∞)" if not math.isfinite(p.default) else f"{p.default:g}"
        assert default == expected


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.nest_model)
def test_models_rebuild_from_their_config(model):
    changed = type(model).from_config(model.config() | {"I_e": 12.5})
    assert changed.I_e == 12.5 and changed != model
    assert type(model).from_config(model.config()) == model
    assert repr(model).startswith(type(model).__name__)


def test_nest_defaults_are_kept():
    """A few of NEST 3.10's defaults, read from its model sources."""
    assert snn.LIFCond().g_L == 16.6667 and snn.LIFCond().tau_syn_ex == 0.2
    assert snn.AdEx().C_m == 281.0 and snn.AdEx().b == 80.5 and snn.AdEx().V_peak == 0.0
    assert snn.LIF().E_L == -70.0 and snn.LIF().t_ref == 2.0
    izhikevich = snn.Izhikevich()
    assert izhikevich.default_state() == {"V_m": -65.0, "U_m": -13.0}


def test_refractory_periods_round_to_steps_as_nest_does():
    assert snn.LIF(t_ref=2.0).refractory_steps(0.1) == 20
    assert snn.LIF(t_ref=0.26).refractory_steps(0.1) == 3
