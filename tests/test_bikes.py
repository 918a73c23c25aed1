"""data_generation/bikes.py: calendar facts, statistical bands, seeds, gaps and their filling."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_generation import bikes


@pytest.fixture(scope="module")
def table():
    return bikes.simulate_hourly(seed=2011)


def test_layout_and_calendar(table):
    assert tuple(table.columns) == bikes.COLUMNS and len(bikes.COLUMNS) == 17
    assert table.shape == (730 * 24, 17)
    assert table["instant"].tolist() == list(range(1, 17521))
    assert table["dteday"].iloc[0] == "2011-01-01" and table["dteday"].iloc[-1] == "2012-12-30"
    days = table.drop_duplicates("dteday")
    assert days["weekday"].iloc[0] == 6                       # 2011-01-01 was a Saturday
    assert days["holiday"].sum() == 21 == len(bikes.HOLIDAYS)
    assert days["workingday"].sum() == 499
    assert days["yr"].value_counts().to_dict() == {0: 365, 1: 365}
    assert set(table["season"]) == {1, 2, 3, 4} and set(table["hr"]) == set(range(24))
    assert table.loc[table["dteday"] == "2011-07-04", "workingday"].eq(0).all()
    assert (table["cnt"] == table["casual"] + table["registered"]).all()
    for column in ("temp", "atemp", "hum", "windspeed"):
        assert table[column].between(0, 1).all(), column


def test_statistics_are_realistic(table):
    assert 150 < table["cnt"].mean() < 230
    by_year = table.groupby("yr")["cnt"].mean()
    assert 1.5 < by_year[1] / by_year[0] < 1.7
    shares = table["weathersit"].value_counts(normalize=True).sort_index()
    assert np.allclose(shares.to_numpy()[:3], [0.636, 0.275, 0.087], atol=0.04)
    by_weather = table.groupby("weathersit")["cnt"].mean()
    assert by_weather[1] > by_weather[2] > by_weather[3]
    working = table[table["workingday"] == 1].groupby("hr")["cnt"].mean()
    assert working.idxmax() == 17 and working.loc[6:10].idxmax() == 8
    other = table[table["workingday"] == 0].groupby("hr")["cnt"].mean()
    assert 11 <= other.idxmax() <= 16
    assert table["temp"].corr(table["cnt"]) > 0.3
    assert table["hum"].corr(table["cnt"]) < -0.2
    summer = table[table["mnth"] == 7]["temp"].mean()
    winter = table[table["mnth"] == 1]["temp"].mean()
    assert summer > winter + 0.3


def test_same_seed_same_table_other_seed_other_table(table):
    pd.testing.assert_frame_equal(bikes.simulate_hourly(seed=2011), table)
    other = bikes.simulate_hourly(seed=7)
    assert not other["cnt"].equals(table["cnt"])
    assert other["dteday"].equals(table["dteday"])          # the calendar does not depend on it


def test_fewer_days():
    short = bikes.simulate_hourly(seed=1, n_days=3)
    assert short.shape == (72, 17) and short["dteday"].nunique() == 3


def test_raw_csv_has_gaps_that_fill_back(tmp_path, table):
    path = bikes.write_raw_csv(tmp_path / "sub" / "raw.csv", seed=2011)
    raw = pd.read_csv(path)
    assert tuple(raw.columns) == bikes.COLUMNS
    assert (raw["cnt"] > 0).all() and len(raw) == (table["cnt"] > 0).sum() < len(table)
    full = bikes.fill_missing_hours(raw)
    assert full.shape == table.shape and tuple(full.columns) == bikes.COLUMNS
    for column in ("instant", "dteday", "season", "yr", "mnth", "hr", "holiday", "weekday",
                   "workingday", "casual", "registered", "cnt"):
        assert (full[column].to_numpy() == table[column].to_numpy()).all(), column
    # a filled hour has no rentals and repeats the weather of the hour before it
    gaps = np.flatnonzero(table["cnt"].to_numpy() == 0)
    gap = gaps[gaps > 0][0]
    assert full["cnt"].iloc[gap] == 0
    assert full["weathersit"].iloc[gap] == full["weathersit"].iloc[gap - 1]
    # and the complete grid regroups into days x hours x columns
    assert full.drop(columns="dteday").to_numpy().reshape(-1, 24, 16).shape == (730, 24, 16)


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(TypeError):
        bikes.simulate_hourly(seed="2011")
    with pytest.raises(ValueError):
        bikes.simulate_hourly(seed=-1)
    with pytest.raises(ValueError, match="at most 731"):
        bikes.simulate_hourly(n_days=800)
    with pytest.raises(ValueError):
        bikes.simulate_hourly(n_days=0)
    with pytest.raises(TypeError):
        bikes.simulate_hourly(n_days=2.5)
    with pytest.raises(TypeError, match="DataFrame"):
        bikes.fill_missing_hours(np.zeros((3, 17)))
    with pytest.raises(ValueError, match="lacks the columns"):
        bikes.fill_missing_hours(pd.DataFrame({"cnt": [1]}))
    with pytest.raises(TypeError):
        bikes.write_raw_csv(42)
