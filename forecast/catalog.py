"""The series forecast knows: id, unit, frequency, plausible bounds, gaps policy and sources.

The catalog is plain data (no pandas import), so the CLI can list it instantly. Each entry's
pandera schema is built from it by :func:`forecast.schemas.series_schema`.

Decisions per series, written down here because models rely on them:

* Prices may be negative (WTI spot closed at -36.98 and the May future at -37.63 on
  2020-04-20); bounds are wide enough for history and narrow enough to catch a wrong unit
  (cents, or a price typed as 1,000,000).
* Monthly series must have every month between their first and last date (no gaps). A month
  with no published value is kept as a row with an empty value only where the catalog allows
  it: US CPI has no October 2025 release (the 2025 shutdown), so ``us_cpi`` allows empty values
  and models interpolate them with a logged note. Prices, activity and production do not.
* Daily series hold trading days only: gaps of up to ``max_gap_days`` calendar days (weekends,
  holidays) are fine; empty values are not (a source adapter drops holiday rows first).
* World crude production in EIA's international data is incomplete for 1980-91; the bounds
  admit it (about 8.4 mb/d in 1983) and models that need a clean series start in 1992.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from forecast._typing import DiffKind, Frequency, SourceName
from forecast._typing import RefreshSource as RefreshSourceName
from forecast.errors import UnknownSeriesError

__all__ = [
    "CATALOG",
    "DAILY_CLOSES",
    "MONTH_END_CLOSES",
    "OUTPUT_VARIABLES",
    "PRICE_SERIES",
    "DiffKind",
    "Frequency",
    "OutputVariable",
    "RefreshSourceName",
    "SeriesSpec",
    "SourceName",
    "SourceRef",
    "get",
    "series_ids",
]

UNKNOWN_SERIES = "unknown series {series_id!r}; known series: {known}"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a series comes from: a source and that source's code for it."""

    source: SourceName
    code: str


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """Everything the package knows about one series.

    Attributes
    ----------
    id
        The project's id, e.g. ``brent_usd``.
    title
        A human title for reports.
    unit
        Unit of the values, e.g. ``US$/bbl``.
    frequency
        ``daily``, ``monthly`` (dated on the first of the month) or ``annual`` (1 January).
    lower, upper
        Plausible bounds for a value in this unit; outside them the series is refused.
    allow_missing
        Whether a row may have an empty value (a period with no published figure).
    max_gap_days
        For daily series, the longest allowed calendar gap between two observations.
        Monthly and annual series may not skip a period.
    stale_after_days
        A series whose last observation is older than this (against today) is flagged stale.
    sources
        The sources that can deliver it, in order of preference.
    max_revision_share
        Largest share of the stored values one write may revise before the store refuses it
        (see :meth:`forecast.store.Store.write`); ``None`` uses the store's default. Set for
        series whose whole history is legitimately revised.
    """

    id: str
    title: str
    unit: str
    frequency: Frequency
    lower: float
    upper: float
    allow_missing: bool = False
    max_gap_days: int | None = None
    stale_after_days: int = 70
    sources: tuple[SourceRef, ...] = field(default_factory=tuple)
    note: str = ""
    max_revision_share: float | None = None

    def source_code(self, source: str) -> str | None:
        """Return this series' code at ``source``, or ``None`` if it has none."""
        for ref in self.sources:
            if ref.source == source:
                return ref.code
        return None


# Prices: negative allowed (WTI 2020-04-20); 500 US$/bbl is far above any real print (147.50 in
# July 2008) but below any wrong unit (cents) or typo.
_USD, _PRICE_LOW, _PRICE_HIGH = "US$/bbl", -100.0, 500.0
_ARCHIVED = 100_000
"""``stale_after_days`` of research data sets that are not updated (never flagged stale)."""

CATALOG: dict[str, SeriesSpec] = {
    spec.id: spec
    for spec in (
        SeriesSpec(
            id="brent_usd",
            title="Brent spot, monthly average",
            frequency="monthly",
            sources=(SourceRef("fred", "MCOILBRENTEU"), SourceRef("bundled", "snapshot")),
            unit=_USD,
            lower=_PRICE_LOW,
            upper=_PRICE_HIGH,
        ),
        SeriesSpec(
            id="wti_usd",
            title="WTI spot, monthly average",
            frequency="monthly",
            sources=(SourceRef("fred", "MCOILWTICO"), SourceRef("bundled", "snapshot")),
            unit=_USD,
            lower=_PRICE_LOW,
            upper=_PRICE_HIGH,
        ),
        SeriesSpec(
            id="brent_spot_daily_usd",
            title="Brent spot, daily",
            frequency="daily",
            max_gap_days=10,
            stale_after_days=10,
            sources=(SourceRef("fred", "DCOILBRENTEU"),),
            unit=_USD,
            lower=_PRICE_LOW,
            upper=_PRICE_HIGH,
        ),
        SeriesSpec(
            id="wti_spot_daily_usd",
            title="WTI spot, daily",
            frequency="daily",
            max_gap_days=10,
            stale_after_days=10,
            sources=(SourceRef("fred", "DCOILWTICO"),),
            unit=_USD,
            lower=_PRICE_LOW,
            upper=_PRICE_HIGH,
        ),
        SeriesSpec(
            id="brent_eom_usd",
            title="Brent spot, last daily close of the month",
            frequency="monthly",
            sources=(SourceRef("bundled", "snapshot"),),
            unit=_USD,
            lower=_PRICE_LOW,
            upper=_PRICE_HIGH,
            note="derived: the last brent_spot_daily_usd close in each month (the snapshot "
            "ships it instead of the daily series)",
        ),
        SeriesSpec(
            id="wti_eom_usd",
            title="WTI spot, last daily close of the month",
            frequency="monthly",
            sources=(SourceRef("bundled", "snapshot"),),
            unit=_USD,
            lower=_PRICE_LOW,
            upper=_PRICE_HIGH,
            note="derived: the last wti_spot_daily_usd close in each month",
        ),
        SeriesSpec(
            id="brent_front_month_usd",
            title="Brent front-month future (ICE), daily close",
            frequency="daily",
            max_gap_days=10,
            stale_after_days=10,
            sources=(SourceRef("yahoo", "BZ=F"),),
            unit=_USD,
            lower=_PRICE_LOW,
            upper=_PRICE_HIGH,
        ),
        SeriesSpec(
            id="wti_front_month_usd",
            title="WTI front-month future (NYMEX), daily close",
            frequency="daily",
            max_gap_days=10,
            stale_after_days=10,
            sources=(SourceRef("yahoo", "CL=F"),),
            unit=_USD,
            lower=_PRICE_LOW,
            upper=_PRICE_HIGH,
        ),
        SeriesSpec(
            id="us_cpi",
            title="US consumer price index, all urban consumers, SA",
            unit="index 1982-84=100",
            frequency="monthly",
            lower=10.0,
            upper=1000.0,
            allow_missing=True,
            sources=(SourceRef("fred", "CPIAUCSL"), SourceRef("bundled", "snapshot")),
            max_revision_share=0.5,
            note="No October 2025 release (federal shutdown): the row is kept with an empty "
            "value, and models interpolate it. Seasonal factors revise about five years at "
            "each annual update, and sources round differently (the Philadelphia Fed's "
            "real-time CPI to 0.1 differs from FRED's in 224 of 551 months since 1980).",
        ),
        SeriesSpec(
            id="kilian_rea",
            title="Kilian index of global real economic activity",
            unit="index (deviation from trend, %)",
            frequency="monthly",
            lower=-400.0,
            upper=400.0,
            sources=(SourceRef("fred", "IGREA"), SourceRef("bundled", "snapshot")),
            max_revision_share=1.0,
            note="Recomputed from the whole freight-rate history at each release, so every "
            "value can be revised at once.",
        ),
        SeriesSpec(
            id="world_crude_production_kbd",
            title="World crude oil production incl. lease condensate",
            unit="kb/d",
            frequency="monthly",
            lower=5_000.0,
            upper=200_000.0,
            stale_after_days=400,
            sources=(SourceRef("eia", "INTL.57-1-WORL-TBPD.M"), SourceRef("bundled", "snapshot")),
            note="EIA publishes with a lag of several months; its world aggregate is "
            "incomplete for 1980-91.",
        ),
        SeriesSpec(
            id="world_crude_production_long_kbd",
            title="World crude oil production, 1973-2017 (Känzig 2021, from EIA)",
            unit="kb/d",
            frequency="monthly",
            lower=5_000.0,
            upper=200_000.0,
            stale_after_days=_ARCHIVED,
            sources=(
                SourceRef(
                    "csv",
                    "kaenzig2021_oil_market_var_dataset_monthly_1973_2017.csv:"
                    "world_crude_oil_production_kbd_EIA1955",
                ),
            ),
            note="Känzig's (2021) oil-market VAR data set (EIA's world production, Monthly "
            "Energy Review table 11.1b); the SVAR takes its growth rates before 1992-02 for a "
            "sample starting in the 1970s. A closed archive: it ends 2017-12.",
        ),
        SeriesSpec(
            id="brent_long_usd",
            title="Brent spot, extended back to 1974 (Känzig 2021)",
            unit=_USD,
            frequency="monthly",
            lower=_PRICE_LOW,
            upper=_PRICE_HIGH,
            stale_after_days=_ARCHIVED,
            sources=(
                SourceRef(
                    "csv",
                    "kaenzig2021_oil_market_var_dataset_monthly_1973_2017.csv:"
                    "brent_spot_extended_usd_bbl_BRENTEXT",
                ),
            ),
            note="Brent before 1987-05 (EIA's Brent starts then) extended by Känzig (2021) "
            "with earlier crude prices; the SVAR uses it only for months before brent_usd "
            "starts. A closed archive: it ends 2017-12.",
        ),
        SeriesSpec(
            id="us_cpi_long",
            title="US CPI, all urban consumers, SA, 1973-2017 (Känzig 2021)",
            unit="index 1982-84=100",
            frequency="monthly",
            lower=10.0,
            upper=1000.0,
            stale_after_days=_ARCHIVED,
            sources=(
                SourceRef(
                    "csv",
                    "kaenzig2021_oil_market_var_dataset_monthly_1973_2017.csv:us_cpi_CPIAUCSL",
                ),
            ),
            note="CPIAUCSL as in Känzig's (2021) data set; the SVAR uses it only for months "
            "before us_cpi starts (a long sample).",
        ),
        SeriesSpec(
            id="kaenzig_oil_supply_surprise",
            title="Oil supply surprise: oil futures move around OPEC announcements (Känzig 2021)",
            unit="unitless (% change of oil futures prices)",
            frequency="monthly",
            lower=-100.0,
            upper=100.0,
            stale_after_days=_ARCHIVED,
            sources=(
                SourceRef("csv", "kaenzig_oil_supply_news_shocks_monthly.csv:oil_supply_surprise"),
            ),
            note="The instrument of the SVAR's proxy identification: the first principal "
            "component of oil futures price changes in a tight window around OPEC "
            "announcements, summed by month (0 in months without one). The zeros before the "
            "first announcement in the data (1983-07) are not measurements: the SVAR leaves "
            "those months out of the instrument's sample.",
        ),
        SeriesSpec(
            id="kaenzig_oil_supply_news_shock",
            title="Oil supply news shock (Känzig 2021)",
            unit="unitless (standard deviations)",
            frequency="monthly",
            lower=-100.0,
            upper=100.0,
            stale_after_days=_ARCHIVED,
            sources=(
                SourceRef(
                    "csv", "kaenzig_oil_supply_news_shocks_monthly.csv:oil_supply_news_shock"
                ),
            ),
            note="Känzig's structural oil supply news shock, identified with the surprise "
            "series as an external instrument in his VAR; for comparisons.",
        ),
        SeriesSpec(
            id="venezuela_crude_production_kbd",
            title="Venezuela crude oil production incl. lease condensate",
            unit="kb/d",
            frequency="monthly",
            lower=0.0,
            upper=5_000.0,
            stale_after_days=400,
            sources=(SourceRef("eia", "INTL.57-1-VEN-TBPD.M"),),
        ),
    )
}


def series_ids() -> list[str]:
    """Return the ids of every catalogued series, in catalog order."""
    return list(CATALOG)


def get(series_id: str) -> SeriesSpec:
    """Return the spec of ``series_id``.

    Raises
    ------
    UnknownSeriesError
        If the catalog has no such series.
    """
    try:
        return CATALOG[series_id]
    except KeyError:
        known = ", ".join(CATALOG)
        raise UnknownSeriesError(UNKNOWN_SERIES.format(series_id=series_id, known=known)) from None


# The monthly prices every run projects, and the daily series whose last close in the as-of
# month anchors the end-of-month baseline.
PRICE_SERIES: tuple[str, ...] = ("brent_usd", "wti_usd")
# The same closes as monthly series (the last close of each month; the bundled snapshot ships
# these instead of the daily series).
MONTH_END_CLOSES: dict[str, str] = {"brent_usd": "brent_eom_usd", "wti_usd": "wti_eom_usd"}
DAILY_CLOSES: dict[str, str] = {
    "brent_usd": "brent_spot_daily_usd",
    "wti_usd": "wti_spot_daily_usd",
}


@dataclass(frozen=True, slots=True)
class OutputVariable:
    """A variable the engine projects (a ``variable`` value in ``paths.csv``).

    Attributes
    ----------
    id
        The value in the ``variable`` column.
    title
        Human title for charts and tables.
    unit
        Unit of ``mean`` and the quantiles.
    frequency
        ``monthly`` (dated on month starts) or ``annual`` (dated 1 January).
    diff
        How a scenario is compared with ``baseline`` in ``summary.csv``: ``pct`` (per cent of
        the baseline level, for prices), ``pp`` (percentage points, for rates) or ``abs``
        (difference in the variable's unit).
    cumulate
        ``sum``: the cumulative difference adds the periods (import bills, growth); ``mean``:
        it averages them (a price has no meaningful sum, its average impact does).
    """

    id: str
    title: str
    unit: str
    frequency: Frequency
    diff: DiffKind
    cumulate: Literal["sum", "mean"]

    @property
    def diff_unit(self) -> str:
        """Unit of a difference from baseline."""
        return {"pct": "%", "pp": "pp", "abs": self.unit}[self.diff]


OUTPUT_VARIABLES: dict[str, OutputVariable] = {
    v.id: v
    for v in (
        OutputVariable("brent_usd", "Brent, monthly average", _USD, "monthly", "pct", "mean"),
        OutputVariable("wti_usd", "WTI, monthly average", _USD, "monthly", "pct", "mean"),
        OutputVariable(
            "world_net_supply_loss_kbd",
            "World net supply loss after offsets",
            "kb/d",
            "monthly",
            "abs",
            "mean",
        ),
        OutputVariable(
            "cuba_gdp_growth_pct", "Cuba real GDP growth", "% a year", "annual", "pp", "sum"
        ),
        OutputVariable(
            "cuba_gdp_level_index", "Cuba real GDP level", "index 2019=100", "annual", "pct", "mean"
        ),
        OutputVariable(
            "cuba_oil_supply_gap_kbd", "Cuba oil supply gap", "kb/d", "annual", "abs", "mean"
        ),
        OutputVariable(
            "cuba_oil_supply_gap_pct",
            "Cuba oil supply gap, share of needs",
            "% of needs",
            "annual",
            "pp",
            "mean",
        ),
        OutputVariable(
            "cuba_import_bill_usd_m",
            "Cuba extra oil import bill",
            "US$ million",
            "annual",
            "abs",
            "sum",
        ),
        OutputVariable(
            "cuba_electricity_at_risk_gwh",
            "Cuba electricity generation at risk",
            "GWh",
            "annual",
            "abs",
            "sum",
        ),
    )
}
