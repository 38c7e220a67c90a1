"""The policy file as the sla service uses it: versions in force, a bad file stops start-up."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from services.sla.app import create_app
from shared.policy.book import load_book
from shared.settings import Settings, SettingsError
from tests.support import TEST_SECRET_KEY

TWO_VERSIONS = """
[[policy]]
version = "2025.1"
effective_from = 2000-01-01
timezone = "Europe/Moscow"
[policy.schedule]
mon = ["09:00-18:00"]
tue = ["09:00-18:00"]
wed = ["09:00-18:00"]
thu = ["09:00-18:00"]
[policy.holidays]
country = "RU"

[[policy]]
version = "2026.1"
effective_from = 2026-03-02
timezone = "Europe/Moscow"
[policy.schedule]
mon = ["10:00-19:00"]
tue = ["10:00-19:00"]
wed = ["10:00-19:00"]
thu = ["10:00-19:00"]
[policy.holidays]
country = "RU"
"""


def test_a_ticket_keeps_the_version_in_force_when_it_arrived(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(TWO_VERSIONS)
    book = load_book(Settings(policy_file=path, var_dir=tmp_path))
    before = datetime.fromisoformat("2026-02-26T17:00:00+03:00")  # Thu, the old hours
    after = datetime.fromisoformat("2026-03-05T17:00:00+03:00")  # Thu, the new hours
    assert book.at(before).version == "2025.1"
    assert book.at(after).version == "2026.1"
    old, new = book.calendar("2025.1"), book.calendar("2026.1")
    # Two business hours from Thursday 17:00: the old desk ends at 18:00, the new at 19:00.
    assert old.add(before, 120) == datetime.fromisoformat("2026-03-02T10:00:00+03:00")
    assert new.add(after, 120) == datetime.fromisoformat("2026-03-05T19:00:00+03:00")
    # Last month's promise is not rewritten by the new version.
    assert book.calendar(book.at(before).version).add(before, 120) == old.add(before, 120)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('version = "x"\neffective_from = 2000-01-01\ntimezone = "Mars/Base"\n', "timezone"),
        (
            'version = "x"\neffective_from = 2000-01-01\ntimezone = "Europe/Moscow"\n'
            '[schedule]\nmon = ["18:00-09:00"]\n',
            "schedule.mon",
        ),
        ("this is not toml", "policy"),
    ],
)
def test_a_bad_policy_file_stops_the_service_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, named: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(SettingsError) as error:
        create_app(Settings(policy_file=path, var_dir=tmp_path))
    assert "SVIFTDESK_POLICY_FILE" in str(error.value)
    assert named in str(error.value)
    monkeypatch.setenv("SVIFTDESK_POLICY_FILE", str(path))
    monkeypatch.setenv("SVIFTDESK_AMQP_URL", "amqp://guest:guest@127.0.0.1:1/")
    monkeypatch.setenv("SVIFTDESK_DATABASE_URL", "postgresql+asyncpg://sviftdesk@127.0.0.1:1/x")
    monkeypatch.setenv("SVIFTDESK_SECRET_KEY", TEST_SECRET_KEY)
    result = CliRunner().invoke(main, ["serve", "sla"])
    assert result.exit_code != 0
    assert named in result.output


def test_a_missing_policy_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SVIFTDESK_POLICY_FILE"):
        load_book(Settings(policy_file=tmp_path / "nope.toml", var_dir=tmp_path))
