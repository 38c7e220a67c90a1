"""The policy file: the bundled default, versions, and errors that name the bad field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shared.policy.policy import (
    BUNDLED_POLICY_FILE,
    Interval,
    Policy,
    PolicyError,
    load_policies,
    load_policy,
    parse_policies,
    policy_at,
)

GOOD = """
version = "1"
effective_from = 2025-01-01
timezone = "Europe/Moscow"

[schedule]
mon = ["09:00-18:00"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_policies(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message  # the file is named
    return message


def test_bundled_policy_is_the_sviftcommunity_desk() -> None:
    policy = load_policy()
    assert BUNDLED_POLICY_FILE.is_file()
    assert policy.timezone == "Europe/Moscow"
    assert policy.tz == ZoneInfo("Europe/Moscow")
    hours = (Interval(9 * 60, 18 * 60),)
    assert policy.schedule == {"mon": hours, "tue": hours, "wed": hours, "thu": hours}
    assert policy.holidays is not None and policy.holidays.country == "RU"
    targets = policy.targets
    assert targets.first_response_minutes == 24 * 60
    assert targets.business_day_minutes == 9 * 60
    assert (targets.resolution_days.simple, targets.resolution_days.standard) == (1, 2)
    assert targets.resolution_days.complex == 3
    assert targets.resolution_days_unknown == 3
    assert targets.escalation_review_days == 1
    assert targets.warning_threshold == 0.75
    assert targets.auto_close_days == 5
    assert targets.pause_while == {"waiting_customer", "waiting_partner", "in_development"}
    assert targets.resolution_minutes("standard") == 2 * 540
    assert targets.resolution_minutes(None) == 3 * 540


def test_defaults_fill_what_a_file_leaves_out(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, GOOD))
    assert policy.holidays is None
    assert policy.targets.first_response_minutes == 24 * 60
    assert policy.targets.warning_threshold == 0.75
    assert policy.effective_at == datetime(2025, 1, 1, tzinfo=ZoneInfo("Europe/Moscow"))


def test_a_desk_chooses_which_waiting_statuses_pause_its_clocks(tmp_path: Path) -> None:
    text = GOOD + '\n[targets]\npause_while = ["waiting_customer"]\n'
    assert load_policy(write(tmp_path, text)).targets.pause_while == {"waiting_customer"}
    # Only a waiting status can pause: "in_progress" is the desk's own work.
    message = error_of(tmp_path, text.replace('"waiting_customer"', '"in_progress"'))
    assert "targets.pause_while" in message


def test_several_intervals_a_day_are_sorted_and_may_touch(tmp_path: Path) -> None:
    text = GOOD.replace('mon = ["09:00-18:00"]', 'mon = ["13:00-18:00", "09:00-13:00"]')
    text += 'sat = ["22:00-24:00"]\n'
    policy = load_policy(write(tmp_path, text))
    assert [str(i) for i in policy.schedule["mon"]] == ["09:00-13:00", "13:00-18:00"]
    assert policy.schedule["sat"] == (Interval(22 * 60, 24 * 60),)


def test_extra_dates(tmp_path: Path) -> None:
    text = GOOD.replace(
        'timezone = "Europe/Moscow"',
        'timezone = "Europe/Moscow"\nextra_closed_dates = [2025-03-03]',
    )
    text += '\n[extra_open_dates]\n2025-03-07 = ["10:00-14:00"]\n'
    policy = load_policy(write(tmp_path, text))
    assert policy.extra_closed_dates == {date(2025, 3, 3)}
    assert policy.extra_open_dates == {date(2025, 3, 7): (Interval(600, 840),)}


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ('mon = ["09:00-18:00"]', 'mon = ["09:00-08:00"]'),
            "schedule.mon[0]: end 08:00 is before start 09:00",
        ),
        (
            ('mon = ["09:00-18:00"]', 'mon = ["09:00-13:00", "12:00-18:00"]'),
            "schedule.mon[1]: 12:00-18:00 overlaps 09:00-13:00",
        ),
        (('mon = ["09:00-18:00"]', 'mon = ["9am-6pm"]'), "schedule.mon[0]: '9am-6pm' is not"),
        (('mon = ["09:00-18:00"]', 'mon = ["09:00-24:30"]'), "schedule.mon[0]: end 24:30"),
        (('mon = ["09:00-18:00"]', 'monday = ["09:00-18:00"]'), "schedule.monday (key)"),
        (('mon = ["09:00-18:00"]', "mon = []"), "schedule: no open hours"),
        (("Europe/Moscow", "Europe/Moskow"), "timezone: 'Europe/Moskow' is not an IANA"),
        (('version = "1"', 'version = "1"\nverison = "2"'), "verison: unknown key"),
        (("effective_from = 2025-01-01", "effective_from = 2025-01-01T00:00:00"), "no UTC"),
        (('version = "1"\n', ""), "version: required"),
    ],
)
def test_errors_name_the_field(tmp_path: Path, edit: tuple[str, str], expected: str) -> None:
    assert expected in error_of(tmp_path, GOOD.replace(*edit))


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("[targets]\nwarning_threshold = 1.5", "targets.warning_threshold: Input should be less"),
        ("[targets]\nwarning_threshold = 0", "targets.warning_threshold: Input should be greater"),
        ("[targets]\nfirst_response_minutes = -5", "targets.first_response_minutes"),
        ("[targets]\nresolution_days = { simple = 1, hard = 5 }", "resolution_days.hard: unknown"),
        ('[holidays]\ncountry = "ZZ"', "holidays.country: 'ZZ' is not a country code"),
        ('[holidays]\ncountry = "DE"\nsubdivision = "XX"', "holidays.subdivision: 'XX' is not"),
        ('[extra_open_dates]\n2025-02-30 = ["09:00-18:00"]', "extra_open_dates.2025-02-30 (key)"),
        ("[extra_open_dates]\n2025-03-07 = []", "extra_open_dates.2025-03-07: no hours given"),
    ],
)
def test_errors_in_tables_name_the_field(tmp_path: Path, table: str, expected: str) -> None:
    assert expected in error_of(tmp_path, GOOD + "\n" + table + "\n")


def test_a_date_both_open_and_closed_is_an_error(tmp_path: Path) -> None:
    text = GOOD.replace(
        'timezone = "Europe/Moscow"',
        'timezone = "Europe/Moscow"\nextra_closed_dates = [2025-03-07]',
    )
    text += '\n[extra_open_dates]\n2025-03-07 = ["10:00-14:00"]\n'
    assert "extra_open_dates.2025-03-07: 2025-03-07 is also in extra_closed_dates" in error_of(
        tmp_path, text
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("Europe/Moscow", "Mars/Olympus").replace("18:00", "08:00")
    message = error_of(tmp_path, text)
    assert "2 problems" in message
    assert "timezone:" in message and "schedule.mon[0]:" in message


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    assert "not valid TOML" in error_of(tmp_path, "version = ")
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.toml")
    assert issubclass(PolicyError, ValueError)


VERSIONS = """
[[policy]]
version = "2026"
effective_from = 2026-01-01
timezone = "Europe/Moscow"
schedule = { mon = ["10:00-18:00"] }

[[policy]]
version = "2025"
effective_from = 2025-01-01T00:00:00+03:00
timezone = "Europe/Moscow"
schedule = { mon = ["09:00-18:00"] }
"""


def test_versions_are_sorted_and_the_one_in_force_is_picked(tmp_path: Path) -> None:
    policies = load_policies(write(tmp_path, VERSIONS))
    assert [p.version for p in policies] == ["2025", "2026"]
    msk = ZoneInfo("Europe/Moscow")
    assert policy_at(policies, datetime(2025, 6, 1, tzinfo=msk)).version == "2025"
    assert policy_at(policies, datetime(2025, 12, 31, 23, 59, tzinfo=msk)).version == "2025"
    assert policy_at(policies, datetime(2026, 1, 1, tzinfo=msk)).version == "2026"
    # 2025-12-31 21:00 UTC is midnight in Moscow: the new version is already in force.
    assert policy_at(policies, datetime(2025, 12, 31, 21, tzinfo=UTC)).version == "2026"
    with pytest.raises(ValueError, match="no policy in force"):
        policy_at(policies, datetime(2024, 12, 31, tzinfo=msk))
    with pytest.raises(ValueError, match="aware"):
        policy_at(policies, datetime(2025, 6, 1))


def test_load_policy_wants_a_single_version(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="2 versions"):
        load_policy(write(tmp_path, VERSIONS))


def test_errors_in_a_version_name_it(tmp_path: Path) -> None:
    text = VERSIONS.replace('mon = ["10:00-18:00"]', 'mon = ["10:00-09:00"]')
    assert "policy[0].schedule.mon[0]: end 09:00 is before start 10:00" in error_of(tmp_path, text)


def test_versions_must_differ(tmp_path: Path) -> None:
    assert "appears twice" in error_of(tmp_path, VERSIONS.replace('"2026"', '"2025"'))
    same_moment = VERSIONS.replace("2026-01-01", "2025-01-01")
    assert "at the same moment" in error_of(tmp_path, same_moment)


def test_versions_and_a_top_level_policy_do_not_mix() -> None:
    with pytest.raises(PolicyError, match="not both"):
        parse_policies({"policy": [], "version": "1"}, "inline")


def test_policy_round_trips_through_json() -> None:
    policy = load_policy()
    assert Policy.model_validate_json(policy.model_dump_json()) == policy


def test_policies_are_immutable() -> None:
    policy = load_policy()
    with pytest.raises(ValueError, match="frozen"):
        policy.timezone = "UTC"  # type: ignore[misc]
