"""The policy versions in force over time, and their calendars, built once each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from shared.policy.calendar import BusinessCalendar
from shared.policy.policy import BUNDLED_POLICY_FILE, Policy, PolicyError, load_policies, policy_at
from shared.settings import Settings, SettingsError


class UnknownPolicyVersionError(LookupError):
    pass


class PolicyBook:
    """A ticket keeps the version in force when it arrived, so editing the calendar later
    never rewrites an earlier promise."""

    def __init__(self, policies: Sequence[Policy]) -> None:
        self.policies = list(policies)
        self._calendars: dict[str, BusinessCalendar] = {}

    def at(self, moment: datetime) -> Policy:
        return policy_at(self.policies, moment)

    def version(self, version: str) -> Policy:
        for policy in self.policies:
            if policy.version == version:
                return policy
        raise UnknownPolicyVersionError(f"no policy version {version!r}")

    def zones(self) -> dict[str, str]:
        """Each version's time zone, by version."""
        return {policy.version: policy.timezone for policy in self.policies}

    def calendar(self, version: str) -> BusinessCalendar:
        calendar = self._calendars.get(version)
        if calendar is None:
            calendar = self._calendars[version] = BusinessCalendar(self.version(version))
        return calendar


def read_book(path: Path | None) -> PolicyBook:
    """The policy file's versions (the bundled sviftcommunity policy when none is given);
    raises PolicyError or OSError naming what is wrong."""
    return PolicyBook(load_policies(path or BUNDLED_POLICY_FILE))


def load_book(settings: Settings) -> PolicyBook:
    """SVIFTDESK_POLICY_FILE, validated: a bad one stops the service naming the bad field."""
    try:
        return read_book(settings.policy_file)
    except (PolicyError, OSError) as exc:
        raise SettingsError(f"SVIFTDESK_POLICY_FILE: {exc}") from None
