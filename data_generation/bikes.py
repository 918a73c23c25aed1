"""A seeded bike-share simulator with the 17-column hourly layout of the classic rental table.

Chapter 13 turns an hourly time series into tensors, and the real rental log cannot ship with the
book. This module makes a stand-in with the same columns, in the same order, from a few simple
ingredients:

* a calendar of 730 days from Saturday 2011-01-01, with the US federal holidays (and Washington
  D.C.'s Emancipation Day) of those two years;
* the weather as an hourly Markov chain over four levels (1 clear ... 4 storm);
* a yearly temperature wave plus a daily random anomaly and an afternoon peak; humidity highest
  before dawn; gusty wind in bad weather;
* rentals drawn from Poisson laws whose rates follow an hourly profile (commuter peaks at 8:00
  and 17:00 on working days, a broad early-afternoon hump otherwise), scaled by weather,
  temperature, humidity and a 60% growth in the second year. Casual riders care more about the
  temperature than registered ones.

Each ingredient draws from its own child generator of ``np.random.SeedSequence(seed)``, so a
change to one of them (the Poisson sampler uses a rate-dependent amount of randomness) never
reshuffles the others.

Entry points: :func:`simulate_hourly` (the complete grid, one row per hour),
:func:`drop_empty_hours` and :func:`write_raw_csv` (the "raw" log, which, like a real log, has no
row for an hour without rentals) and :func:`fill_missing_hours` (rebuild the complete grid).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.checks import check_int, check_seed

__all__ = ["COLUMNS", "HOLIDAYS", "START", "MAX_DAYS", "simulate_hourly", "drop_empty_hours",
           "write_raw_csv", "fill_missing_hours"]

COLUMNS = ("instant", "dteday", "season", "yr", "mnth", "hr", "holiday", "weekday", "workingday",
           "weathersit", "temp", "atemp", "hum", "windspeed", "casual", "registered", "cnt")

START = dt.date(2011, 1, 1)
MAX_DAYS = 731  # 2011 and the leap year 2012: the years whose holidays we list

HOLIDAYS = tuple(dt.date.fromisoformat(d) for d in (
    "2011-01-17", "2011-02-21", "2011-04-15", "2011-05-30", "2011-07-04", "2011-09-05",
    "2011-10-10", "2011-11-11", "2011-11-24", "2011-12-26",
    "2012-01-02", "2012-01-16", "2012-02-20", "2012-04-16", "2012-05-28", "2012-07-04",
    "2012-09-03", "2012-10-08", "2012-11-12", "2012-11-22", "2012-12-25"))

# Hourly weather: row = level now, column = level one hour later (levels 1..4).
WEATHER_TRANSITIONS = np.array([[0.94, 0.05, 0.01, 0.00],
                                [0.12, 0.82, 0.06, 0.00],
                                [0.06, 0.20, 0.73, 0.01],
                                [0.00, 0.10, 0.40, 0.50]])
WEATHER_FACTOR = np.array([1.0, 0.88, 0.45, 0.2])       # riders who still go out, by level
WEATHER_HUMIDITY = np.array([0.0, 0.10, 0.22, 0.30])    # extra humidity, by level

# Expected rentals per hour of the day (0..23) in the first year, in good weather at 26 degrees.
PROFILES = {
    ("registered", True): (12, 6, 4, 2, 4, 16, 90, 320, 580, 280, 140, 160, 200, 190, 170, 190,
                           320, 680, 640, 420, 300, 220, 160, 90),
    ("registered", False): (60, 44, 32, 14, 6, 8, 20, 44, 100, 170, 240, 300, 330, 330, 320, 310,
                            300, 290, 260, 220, 170, 140, 110, 80),
    ("casual", True): (6, 4, 2, 2, 2, 2, 8, 20, 40, 30, 30, 40, 50, 50, 50, 56, 70, 90, 80, 60,
                       44, 30, 22, 14),
    ("casual", False): (24, 18, 14, 6, 4, 2, 4, 10, 24, 60, 110, 160, 200, 220, 230, 230, 220,
                        200, 170, 130, 90, 70, 56, 40),
}
GROWTH = (1.0, 1.6)  # demand multiplier of 2011 and 2012


def _season(day: dt.date) -> int:
    """1 winter, 2 spring, 3 summer, 4 autumn, with the astronomical boundaries."""
    md = (day.month, day.day)
    if md >= (12, 21) or md <= (3, 20):
        return 1
    if md <= (6, 20):
        return 2
    if md <= (9, 22):
        return 3
    return 4


def _calendar(n_days: int) -> pd.DataFrame:
    """One row per day: date string, season, yr, mnth, holiday, weekday, workingday, doy."""
    days = [START + dt.timedelta(days=i) for i in range(n_days)]
    holidays = set(HOLIDAYS)
    weekday = [(d.weekday() + 1) % 7 for d in days]  # Python: Monday = 0; the table: Sunday = 0
    holiday = [int(d in holidays) for d in days]
    return pd.DataFrame({
        "dteday": [d.isoformat() for d in days],
        "season": [_season(d) for d in days],
        "yr": [d.year - START.year for d in days],
        "mnth": [d.month for d in days],
        "holiday": holiday,
        "weekday": weekday,
        "workingday": [int(1 <= w <= 5 and not h) for w, h in zip(weekday, holiday)],
        "doy": [d.timetuple().tm_yday for d in days],
    })


def _weather_chain(rng: np.random.Generator, n_hours: int) -> np.ndarray:
    """Levels 1..4, one per hour, starting clear."""
    cumulative = WEATHER_TRANSITIONS.cumsum(axis=1)
    cumulative[:, -1] = 1.0  # guard against rounding: every draw lands in some column
    draws = rng.random(n_hours)
    levels = np.empty(n_hours, dtype=np.int64)
    state = 0
    for i, u in enumerate(draws):
        levels[i] = state
        state = int(np.searchsorted(cumulative[state], u, side="right"))
    return levels + 1


def simulate_hourly(seed: int = 2011, n_days: int = 730) -> pd.DataFrame:
    """The complete hourly table: ``24 * n_days`` rows and the 17 :data:`COLUMNS`.

    ``temp``, ``atemp``, ``hum`` and ``windspeed`` are scaled to [0, 1] as in the original table
    (temperature (T + 8) / 47, feels-like (A + 16) / 66, wind km/h / 67); ``cnt`` is
    ``casual + registered``. Same ``seed``, same table.
    """
    seed = check_seed("seed", seed)
    n_days = check_int("n_days", n_days)
    if n_days > MAX_DAYS:
        raise ValueError(f"n_days must be at most {MAX_DAYS} (the holidays are listed for 2011 "
                         f"and 2012 only), got {n_days}.")
    rng_weather, rng_temp, rng_wind, rng_hum, rng_count = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5))

    days = _calendar(n_days)
    n_hours = 24 * n_days
    hour = np.tile(np.arange(24), n_days)
    day = np.repeat(np.arange(n_days), 24)
    weather = _weather_chain(rng_weather, n_hours)
    bad = (weather >= 3).astype(float)

    # temperature in degrees Celsius: season + a persistent daily anomaly + time of day
    anomaly = np.empty(n_days)
    shocks = rng_temp.normal(0.0, 2.5, n_days)
    anomaly[0] = shocks[0]
    for d in range(1, n_days):
        anomaly[d] = 0.7 * anomaly[d - 1] + shocks[d]
    doy = days["doy"].to_numpy()[day]
    temp_c = (15 - 11 * np.cos(2 * np.pi * (doy - 20) / 365.25) + anomaly[day]
              + 4 * np.cos(2 * np.pi * (hour - 15) / 24) - bad
              + rng_temp.normal(0.0, 0.5, n_hours))
    wind_kmh = rng_wind.gamma(2.5, 5.0, n_hours) + 4 * bad
    feels_c = temp_c - 0.05 * wind_kmh + rng_temp.normal(0.0, 1.0, n_hours)
    humidity = np.clip(0.60 + 0.12 * np.cos(2 * np.pi * (hour - 5) / 24)
                       + WEATHER_HUMIDITY[weather - 1] + rng_hum.normal(0.0, 0.06, n_hours),
                       0.08, 1.0)

    # rentals: hourly profile x growth x weather x temperature x humidity
    working = days["workingday"].to_numpy()[day].astype(bool)
    comfort = 0.25 + 0.75 * np.exp(-((temp_c - 26) / 12) ** 2)
    common = (np.asarray(GROWTH)[days["yr"].to_numpy()[day]] * WEATHER_FACTOR[weather - 1]
              * (1 - np.maximum(0.0, humidity - 0.7)))
    counts = {}
    for rider, temp_power in (("casual", 2), ("registered", 1)):
        profile = np.where(working, np.asarray(PROFILES[(rider, True)])[hour],
                           np.asarray(PROFILES[(rider, False)])[hour])
        counts[rider] = rng_count.poisson(common * comfort ** temp_power * profile)

    table = days.drop(columns="doy").iloc[day].reset_index(drop=True)
    table.insert(0, "instant", np.arange(1, n_hours + 1))
    table.insert(5, "hr", hour)
    table["weathersit"] = weather
    table["temp"] = np.clip((temp_c + 8) / 47, 0, 1).round(2)
    table["atemp"] = np.clip((feels_c + 16) / 66, 0, 1).round(4)
    table["hum"] = humidity.round(2)
    table["windspeed"] = np.clip(wind_kmh / 67, 0, 1).round(4)
    table["casual"] = counts["casual"]
    table["registered"] = counts["registered"]
    table["cnt"] = table["casual"] + table["registered"]
    return table[list(COLUMNS)]


def _check_table(name: str, table) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame (from simulate_hourly or "
                        f"pd.read_csv), got {type(table).__name__}.")
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{name} lacks the columns {missing}; expected the 17 columns of "
                         "data_generation.bikes.COLUMNS.")
    return table


def drop_empty_hours(table: pd.DataFrame) -> pd.DataFrame:
    """The table without its hours of zero rentals, as a rental log records it."""
    table = _check_table("table", table)
    return table[table["cnt"] > 0].reset_index(drop=True)


def write_raw_csv(path, seed: int = 2011, n_days: int = 730) -> Path:
    """Simulate, drop the empty hours and write the CSV (header = :data:`COLUMNS`); returns the path."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or a Path, got {type(path).__name__}.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    drop_empty_hours(simulate_hourly(seed, n_days)).to_csv(path, index=False)
    return path


def fill_missing_hours(table: pd.DataFrame) -> pd.DataFrame:
    """Put back one row for every missing hour: no rentals, the day's calendar, the last weather.

    The rows come out in time order and ``instant`` is renumbered 1, 2, ...; the days covered are
    those from the first to the last date in ``table``.
    """
    table = _check_table("table", table)
    if table.empty:
        raise ValueError("table is empty: there is no day to fill.")
    dates = pd.to_datetime(table["dteday"])
    first, last = dates.min(), dates.max()
    n_days = (last - first).days + 1
    grid = pd.MultiIndex.from_product(
        [pd.date_range(first, last).strftime("%Y-%m-%d"), range(24)], names=["dteday", "hr"])
    full = table.set_index(["dteday", "hr"]).drop(columns="instant").reindex(grid)
    full[["casual", "registered", "cnt"]] = full[["casual", "registered", "cnt"]].fillna(0)
    # calendar columns are the same all day: copy them from any recorded hour of that day
    calendar = ["season", "yr", "mnth", "holiday", "weekday", "workingday"]
    full[calendar] = full[calendar].groupby(level="dteday").transform("first")
    if full[calendar].isna().any().any():
        raise ValueError("some day has no recorded hour at all, so its calendar is unknown; "
                         "fill_missing_hours needs at least one row per day.")
    # the weather of an empty hour is not recorded: carry the last one forward
    weather = ["weathersit", "temp", "atemp", "hum", "windspeed"]
    full[weather] = full[weather].ffill().bfill()
    full = full.reset_index()
    full.insert(0, "instant", np.arange(1, 24 * n_days + 1))
    integer = [c for c in COLUMNS if c not in ("dteday", "temp", "atemp", "hum", "windspeed")]
    full[integer] = full[integer].astype(np.int64)
    return full[list(COLUMNS)]
