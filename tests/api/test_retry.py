"""RetryPolicy arithmetic and Retry-After parsing (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from impilo_desktop.api.retry import NO_RETRY, OUTBOX_RETRY, RetryPolicy, parse_retry_after


def test_defaults_match_the_contract() -> None:
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.base_delay, policy.max_delay, policy.max_retry_after) == (
        4,
        0.25,
        8.0,
        30.0,
    )
    assert NO_RETRY.max_attempts == 1


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(random=lambda: 1.0)
    assert [policy.backoff(n) for n in range(1, 9)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_never_goes_below_half_the_ceiling() -> None:
    # No retry right on the heels of its failure.
    assert RetryPolicy(random=lambda: 0.0).backoff(5) == 2.0


@given(attempt=st.integers(1, 60), fraction=st.floats(0.0, 1.0))
def test_backoff_stays_within_half_the_cap_and_the_cap(attempt: int, fraction: float) -> None:
    policy = RetryPolicy(random=lambda: fraction)
    ceiling = min(8.0, 0.25 * 2 ** (attempt - 1))
    assert ceiling / 2 <= policy.backoff(attempt) <= ceiling


def test_a_wait_longer_than_the_budget_is_beyond_it() -> None:
    policy = RetryPolicy()
    assert policy.beyond_budget(3600.0)
    assert not policy.beyond_budget(30.0)
    assert not policy.beyond_budget(None)
    assert OUTBOX_RETRY.delay(1, 3600.0) == 3600.0  # the outbox waits as long as asked


def test_retry_after_wins_over_backoff_and_is_capped() -> None:
    policy = RetryPolicy(random=lambda: 1.0)
    assert policy.delay(1, 3.0) == 3.0
    assert policy.delay(1, 300.0) == 30.0
    assert policy.delay(1, -5.0) == 0.0
    assert policy.delay(3, None) == 1.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-3", 0.0),
        ("Thu, 26 Nov 2026 17:01:30 GMT", 90.0),
        ("Thu, 26 Nov 2026 16:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    now = datetime(2026, 11, 26, 17, 0, 0, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == seconds
