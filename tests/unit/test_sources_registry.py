"""The refresh sources' registry: one declaration per source, read by refresh and the CLI."""

from __future__ import annotations

import importlib
import importlib.metadata
from datetime import date
from typing import get_args

import click
import pandas as pd
import pytest

from forecast import catalog, refresh
from forecast.cli.refresh import refresh as refresh_command
from forecast.sources import registry
from forecast.sources._http import RetryPolicy


def test_names_are_the_catalogs_refresh_sources_in_order() -> None:
    assert registry.NAMES == get_args(catalog.RefreshSourceName) == ("fred", "eia", "yahoo")
    assert set(registry.NAMES) < set(get_args(catalog.SourceName))
    assert refresh.SOURCES == registry.NAMES


def test_every_catalogued_refresh_code_has_an_entry() -> None:
    used = {ref.source for spec in catalog.CATALOG.values() for ref in spec.sources}
    assert used & set(get_args(catalog.RefreshSourceName)) <= set(registry.SOURCES)


@pytest.mark.parametrize("name", registry.NAMES)
def test_each_entry_names_a_module_that_fetches_for_refresh(name: str) -> None:
    source = registry.get(name)
    assert source.name == name
    assert callable(importlib.import_module(source.module).refresh_fetch)


def test_modes_and_versions() -> None:
    assert refresh.MODES == {"fred": "replace", "eia": "replace", "yahoo": "merge"}
    assert registry.get("fred").version() == "fredgraph.csv"
    assert registry.get("eia").version() == "EIA API v2"
    try:
        expected: str | None = f"yfinance {importlib.metadata.version('yfinance')}"
    except importlib.metadata.PackageNotFoundError:
        expected = None
    assert registry.get("yahoo").version() == expected


def test_api_keys_come_from_the_declared_variable() -> None:
    eia = registry.get("eia")
    assert eia.key_env == "EIA_API_KEY"
    assert eia.api_key({"EIA_API_KEY": " k "}) == "k"
    assert eia.api_key({"EIA_API_KEY": ""}) is None
    assert registry.get("fred").api_key({"EIA_API_KEY": "k"}) is None


def test_the_cli_offers_the_registry() -> None:
    option = next(p for p in refresh_command.params if p.name == "sources")
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == registry.NAMES
    assert registry.titles() == "FRED, EIA and Yahoo Finance"
    assert (refresh_command.help or "").startswith(f"Fetch the latest {registry.titles()} data")


def test_yahoo_window_starts_before_the_last_stored_date(monkeypatch: pytest.MonkeyPatch) -> None:
    from forecast.sources import yahoo

    calls: list[tuple[date, date]] = []

    def fetch(_series_id: str, *, start: date, end: date, policy: RetryPolicy) -> None:
        del policy
        calls.append((start, end))

    monkeypatch.setattr(yahoo, "fetch_series", fetch)
    today = date(2025, 3, 1)
    held = pd.DataFrame({"date": pd.to_datetime(["2025-02-20"]), "value": [70.0]})
    policy = RetryPolicy.from_env()
    registry.get("yahoo").fetch("brent_front_month_usd", registry.FetchRequest(held, policy, today))
    registry.get("yahoo").fetch("brent_front_month_usd", registry.FetchRequest(None, policy, today))
    assert calls == [(date(2025, 2, 10), today), (date(2020, 3, 1), today)]
