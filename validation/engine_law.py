"""The engine's ground-combat law applied to one engagement, by calling the engine's own
functions (``polemos.campaign.components.ground_combat`` and ``movement``) on arrays of
battles instead of (sectors, runs).

For each battle (attacker A, defender D):

    P_A = attacker_strength(personnel_equivalents(persons, armour, guns), 1, air, ISR_A)
    P_D = defender_strength(personnel_equivalents(...), terrain(relief, urban), posture, 1)
          × the same air modifier when the defender holds air superiority
    R   = power_ratio(P_A, P_D)
    r_D, r_A = casualty_rates(R, r0 × terrain casualty, ρ, κ, vulnerability(posture), cap)

Supply is 1 (no battle data say otherwise). The engine's defender never has air superiority
(its scenario's defender has none), so its air modifier exists only on the attacker's side;
here it goes to the side that has it, as in the QJM. Nothing else is added unless ``qjm_extra``
is given (the QJM surprise and weather factors the engine lacks: a separate variant).

**Winner** (the engine's breakthrough rule, ``movement.defence_breaks``): both sides are worn
day by day at r_D, r_A; the attacker halts at its breakpoint (losses = ``breakpoint_attacker``
of its strength) after t_A = ln(1 − bp_A) / ln(1 − r_A) days; the defence breaks if R ≥
``break_ratio`` or, by then, it is worn below ``break_strength`` of its peak. The continuous
form is the wear margin M = ln(t_A / t_D), t_D = ln(break_strength) / ln(1 − r_D) (the days
the defence takes to wear down): M > 0 means the defence wears out first.

**Casualty ratio** (attacker / defender persons lost per day of fighting):
ln(r_A A / (r_D D)); the day's noise and the terrain casualty factor act on both sides and
cancel. (Since r_D D = r0 A^κ D^(1−κ) and r_A A = r0 ρ D^κ A^(1−κ) when R = A/D, this is the
Lanchester family with exponent κ: 1 the square law, 0 the linear law.)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from polemos.analysis.posterior import load_posterior
from polemos.campaign.components.ground_combat import (
    attacker_strength,
    casualty_rates,
    defender_strength,
    personnel_equivalents,
    power_ratio,
    urban_blend,
)
from polemos.campaign.components.movement import defence_breaks
from polemos.campaign.sectors import POSTURE_KEYS, RELIEF_KEYS
from polemos.scenario import load_scenario

# the engine's posture states, in the order of its by-state tables
POSTURES = POSTURE_KEYS
SCENARIO = "karabakh_2020"
# what the law reads from the scenario: ground_combat.* (all), and the breakthrough rule
RULE = ("movement.break_ratio", "movement.break_strength", "termination.breakpoint_attacker")
# ranges for fitting the law's form free of the Karabakh priors: (low, high, shape)
WIDE = {"ground_combat.armour_weight": (0.1, 1000.0, "loguniform"),
        "ground_combat.artillery_weight": (0.1, 1000.0, "loguniform"),
        "ground_combat.ratio_exponent": (0.0, 2.0, "uniform"),
        "ground_combat.attacker_rate_ratio": (0.01, 10.0, "loguniform")}


@dataclass
class Battles:
    """One entry per battle (arrays of equal length). ``relief`` indexes ``RELIEF_KEYS``
    (plain, foothill, mountain); ``posture`` indexes ``POSTURES``; ``air`` is +1 when the
    attacker holds air superiority, −1 the defender, 0 neither (or unknown)."""

    persons_a: np.ndarray
    persons_d: np.ndarray
    armour_a: np.ndarray
    armour_d: np.ndarray
    guns_a: np.ndarray
    guns_d: np.ndarray
    relief: np.ndarray
    urban: np.ndarray
    posture: np.ndarray
    air: np.ndarray

    def __len__(self) -> int:
        return len(self.persons_a)

    def take(self, rows) -> Battles:
        return Battles(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


@dataclass
class QJMExtra:
    """Factors of the QJM that the engine does not have (a variant, not the engine):
    multipliers of the defender's and the attacker's vulnerability (surprise) and of the
    attacker's strength (weather)."""

    vul_d: np.ndarray
    vul_a: np.ndarray
    attack: np.ndarray

    def take(self, rows) -> QJMExtra:
        return QJMExtra(self.vul_d[rows], self.vul_a[rows], self.attack[rows])


def engine_parameters(scenario: str = SCENARIO, overrides: list[str] | tuple = (),
                      source: str = "posterior") -> dict[str, float]:
    """The law's parameters as the engine runs them: every ``ground_combat.*`` value and the
    breakthrough rule (``RULE``). With ``source="posterior"`` (the engine's default mode) a
    calibrated parameter takes the median of the scenario's shipped posterior; with
    ``"point"`` its point value. ``overrides`` are ``--set`` strings
    (``parameters.ground_combat.posture_fortified.value=2``)."""
    if source not in ("posterior", "point"):
        raise ValueError(f"source must be 'posterior' or 'point', got {source!r}")
    sc = load_scenario(scenario, list(overrides))
    post = (load_posterior(sc) or {}) if source == "posterior" else {}
    names = [f"ground_combat.{k}" for k in sc.parameters["ground_combat"]] + list(RULE)
    out = {}
    for name in names:
        comp, key = name.split(".")
        out[name] = float(np.median(post[name])) if name in post else float(
            sc.parameters[comp][key].value)
    return out


def priors(scenario: str = SCENARIO, names=()) -> dict[str, tuple[float, float, str]]:
    """(low, high, shape) of the scenario's prior of each calibrated parameter in ``names``."""
    sc = load_scenario(scenario)
    out = {}
    for name in names:
        comp, key = name.split(".")
        q = sc.parameters[comp][key]
        if q.prior is None:
            raise ValueError(f"{name} has no prior in scenario {scenario!r}")
        out[name] = (float(q.prior[0]), float(q.prior[1]), q.prior_shape)
    return out


def law(b: Battles, p: dict[str, float], extra: QJMExtra | None = None) -> dict[str, np.ndarray]:
    """The engine's law on battles ``b`` with parameters ``p`` (``engine_parameters``):
    power ratio, daily casualty rates, wear margin, the engine's verdict and the predicted
    log casualty ratio (see the module docstring)."""
    gc = "ground_combat."
    terrain_def = np.array([p[f"{gc}terrain_defence_{k}"] for k in RELIEF_KEYS])[b.relief]
    terrain_cas = np.array([p[f"{gc}terrain_casualty_{k}"] for k in RELIEF_KEYS])[b.relief]
    terrain_def = urban_blend(terrain_def, p[f"{gc}urban_defence"], b.urban)
    terrain_cas = urban_blend(terrain_cas, p[f"{gc}urban_casualty"], b.urban, np.minimum)
    posture = np.array([p[f"{gc}posture_{k}"] for k in POSTURES])[b.posture]
    vul = np.array([p[f"{gc}vulnerability_{k}"] for k in POSTURES])[b.posture]
    w_arm, w_art = p[f"{gc}armour_weight"], p[f"{gc}artillery_weight"]
    air = p[f"{gc}air_superiority"]

    eq_a = personnel_equivalents(b.persons_a, b.armour_a, b.guns_a, w_arm, w_art)
    eq_d = personnel_equivalents(b.persons_d, b.armour_d, b.guns_d, w_arm, w_art)
    pa = attacker_strength(eq_a, 1.0, air, (b.air == 1).astype(float))
    air_d = attacker_strength(1.0, 1.0, air, (b.air == -1).astype(float))
    pd_ = defender_strength(eq_d, terrain_def, posture, 1.0) * air_d
    rho = np.full(len(b), p[f"{gc}attacker_rate_ratio"])
    if extra is not None:
        pa = pa * extra.attack
        vul = vul * extra.vul_d
        rho = rho * extra.vul_a
    ratio = power_ratio(pa, pd_)
    rd, ra = casualty_rates(ratio, p[f"{gc}base_casualty_rate"] * terrain_cas, rho,
                            p[f"{gc}ratio_exponent"], vul, p[f"{gc}max_daily_loss"])
    bp_a = p["termination.breakpoint_attacker"]
    bs, br = p["movement.break_strength"], p["movement.break_ratio"]
    t_a = np.log1p(-bp_a) / np.log1p(-ra)          # days until the attacker halts
    t_d = np.log(bs) / np.log1p(-rd)               # days until the defence is worn down
    left = np.exp(t_a * np.log1p(-rd))             # defender's share of its peak by then
    return {
        "ratio": ratio, "rd": rd, "ra": ra,
        "margin": np.log(t_a / t_d),
        "attacker_wins": defence_breaks(ratio, left, 1.0, br, bs),
        "log_cas_ratio": np.log(ra * b.persons_a / (rd * b.persons_d)),
    }
