"""Scenario specs: what is assumed to happen to Venezuela's exports, and what offsets it.

A scenario is a small TOML file (built-ins in ``data/scenarios``) read into an immutable
:class:`Scenario`; :meth:`Scenario.from_dict` checks it strictly, so an unknown key or a bad
value is an error naming the file, the full dotted key and the value. :func:`outage_path` and
:func:`cuba_shipments_path` turn a scenario into monthly frames the engine feeds to the
models. Everything here is pure except :func:`load_scenario`, :func:`builtin_scenarios` and
:func:`resolve_scenario`, which read files.

File layout (volumes in kb/d, times in months)::

    id = "venezuela_full_halt"          # lowercase snake_case
    title = "Venezuela's crude exports stop for a year"
    description = "The story, and where the numbers come from."

    [outage]                            # no [outage] table: no outage (baseline)
    start = 1                           # months after the as-of month, or "YYYY-MM"
    duration_months = 12                # months at full volume
    volume_kbd = 400.0                  # omit: Venezuela's latest exports
    ramp_up_months = 1
    recovery_months = 3
    affects_world_supply = true         # false: exports redirected, only Cuba loses

    [offsets]
    spare_capacity_share = 0.6          # share of the gross loss OPEC+ replaces
    spare_capacity_lag_months = 2
    spare_capacity_ramp_months = 2
    strategic_release_kbd = 0.0
    strategic_release_months = 0
    strategic_release_lag_months = 0

    [cuba]
    shipments_kbd_during_outage = 0.0   # Venezuelan shipments Cuba still gets
    baseline_shipments_kbd = 30.0       # omit: latest from the facts
    replacement_share = 0.0             # share of lost barrels bought at market prices

Timing conventions (exact; every path is built from them)
---------------------------------------------------------
Months are counted from the as-of month ``A`` (the last observed month): row ``m`` of a path
(``m = 1 .. horizon``) is the month ``A + m``. An outage starting at ``start = k`` (an int) has
its first month at ``A + k``; ``start = "YYYY-MM"`` names that first month directly, so
``k`` is the number of months from ``A`` to it and may be zero or negative: the outage is then
already under way and the months up to ``A`` are simply not in the frame.

With ``t = m - k`` the month of the outage (``t = 0`` is its first month), ``R`` ramp-up
months, ``D`` full months and ``Q`` recovery months, the share of the full volume lost is::

    t < 0                  0
    0 <= t < R             (t + 1) / (R + 1)           ramp-up: 1/(R+1), ..., R/(R+1)
    R <= t < R + D         1                           full volume, exactly D months
    R + D <= t < R + D + Q (R + D + Q - t) / (Q + 1)   recovery: Q/(Q+1), ..., 1/(Q+1)
    t >= R + D + Q         0

so ramp and recovery months lie strictly between 0 and 1 and each contributes half its
length in full-volume months: the barrels lost are ``volume * (R / 2 + D + Q / 2)`` months.
Example: ``R = 2, D = 3, Q = 2`` gives 1/3, 2/3, 1, 1, 1, 2/3, 1/3, then 0.

Offsets count from the outage's first month too. Spare capacity replaces
``spare_capacity_share * s(t) * gross`` where ``s(t) = 0`` for ``t < L`` and
``min(1, (t - L + 1) / (P + 1))`` after, ``L`` the lag and ``P`` the ramp months (the ramp-up
convention again: with ``P = 0`` it is fully on at ``t = L``). Strategic releases supply
``strategic_release_kbd`` in months ``L_r <= t < L_r + M_r``, never more than the loss left
after spare capacity.

Examples
--------
>>> import pandas as pd
>>> from forecast.scenarios import Scenario, outage_path
>>> spec = Scenario.from_dict({
...     "id": "example", "title": "Example",
...     "outage": {"start": 1, "duration_months": 1, "ramp_up_months": 1, "recovery_months": 1},
... })
>>> path = outage_path(spec, pd.Timestamp("2025-06-01"), 4, default_volume_kbd=800.0)
>>> path["gross_loss_kbd"].tolist()
[400.0, 800.0, 400.0, 0.0]
"""

from __future__ import annotations

from forecast.scenarios._path_frames import cuba_shipments_path, outage_path
from forecast.scenarios._spec import (
    BUILTIN_IDS,
    MAX_VOLUME_KBD,
    BuiltinId,
    Cuba,
    Offsets,
    Outage,
    Scenario,
    apply_overrides,
    builtin_scenarios,
    load_scenario,
    resolve_scenario,
)

__all__ = [
    "BUILTIN_IDS",
    "MAX_VOLUME_KBD",
    "BuiltinId",
    "Cuba",
    "Offsets",
    "Outage",
    "Scenario",
    "apply_overrides",
    "builtin_scenarios",
    "cuba_shipments_path",
    "load_scenario",
    "outage_path",
    "resolve_scenario",
]
