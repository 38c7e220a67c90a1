"""The in-process moving windows behind ``memory://`` rate limits: a budget spent is refused
until its oldest hit leaves the window, and a key with no hit left in its window is forgotten,
so a day of distinct customers leaves nothing behind (the memory a flood of them costs is
bounded by the window)."""

from __future__ import annotations

from limits import parse

from shared.ratelimit import SWEEP_SECONDS, LocalWindows


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_spent_budget_comes_back_as_its_oldest_hit_leaves_the_window() -> None:
    clock = Clock()
    windows = LocalWindows(clock)
    two_a_minute = parse("2/minute")
    assert await windows.hit(two_a_minute, "svc", "client", "203.0.113.9")
    clock.now += 20
    assert await windows.hit(two_a_minute, "svc", "client", "203.0.113.9")
    assert not await windows.hit(two_a_minute, "svc", "client", "203.0.113.9")
    # Another key has a budget of its own.
    assert await windows.hit(two_a_minute, "svc", "client", "198.51.100.7")

    stats = await windows.get_window_stats(two_a_minute, "svc", "client", "203.0.113.9")
    assert stats.remaining == 0 and stats.reset_time == 1_000_060.0
    clock.now = 1_000_060.0  # the first hit leaves the window; the second stays 20 s more
    assert await windows.hit(two_a_minute, "svc", "client", "203.0.113.9")
    assert not await windows.hit(two_a_minute, "svc", "client", "203.0.113.9")
    clock.now += 20
    stats = await windows.get_window_stats(two_a_minute, "svc", "client", "203.0.113.9")
    assert stats.remaining == 1 and stats.reset_time == 1_000_120.0


async def test_keys_with_no_hit_left_are_forgotten() -> None:
    clock = Clock()
    windows = LocalWindows(clock)
    per_second, per_day = parse("5/second"), parse("3/day")
    for n in range(1_000):
        assert await windows.hit(per_second, "svc", "customer", f"c{n}")
    assert await windows.hit(per_day, "svc", "customer", "regular")
    assert len(windows) == 1_001
    clock.now += SWEEP_SECONDS
    await windows.hit(per_second, "svc", "customer", "late")
    # The thousand per-second keys went; the day's hit is still counted.
    assert len(windows) == 2
    stats = await windows.get_window_stats(per_day, "svc", "customer", "regular")
    assert stats.remaining == 2
