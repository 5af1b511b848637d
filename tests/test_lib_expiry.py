"""Tests for jingjai_portal/lib/expiry.py."""

from datetime import date, datetime, timedelta

import pytest
from _lib_import import load

expiry = load("expiry")

NOW = datetime(2025, 1, 1, 0, 0, 0)


def test_constants():
    assert expiry.DEFAULT_EXPIRY_DAYS == 30
    assert expiry.MIN_EXPIRY_DAYS == 1
    assert expiry.MAX_EXPIRY_DAYS == 365
    assert expiry.LINK_STATES == ("active", "expired", "revoked", "closed")


def test_expiry_error_is_value_error_with_reason_and_message():
    error = expiry.ExpiryError("too_far")
    assert isinstance(error, ValueError)
    assert error.reason == "too_far"
    assert "365" in str(error)


# expires_at_from_days


@pytest.mark.parametrize("days", [1, 30, 365])
def test_from_days_adds_days(days):
    assert expiry.expires_at_from_days(NOW, days) == NOW + timedelta(days=days)


def test_from_days_keeps_naive_datetimes_naive():
    assert expiry.expires_at_from_days(NOW, 30).tzinfo is None


@pytest.mark.parametrize("days", [0, -1])
def test_from_days_refuses_not_positive(days):
    with pytest.raises(expiry.ExpiryError) as caught:
        expiry.expires_at_from_days(NOW, days)
    assert caught.value.reason == "not_positive"


def test_from_days_refuses_beyond_max():
    with pytest.raises(expiry.ExpiryError) as caught:
        expiry.expires_at_from_days(NOW, 366)
    assert caught.value.reason == "too_far"


# expires_at_from_date


def test_from_date_bangkok_ends_at_local_midnight():
    # Asia/Bangkok is UTC+7 all year: local midnight is 17:00 UTC the day before.
    result = expiry.expires_at_from_date(NOW, date(2025, 3, 31), "Asia/Bangkok")
    assert result == datetime(2025, 3, 31, 17, 0, 0)
    assert result.tzinfo is None


def test_from_date_default_timezone_is_utc():
    assert expiry.expires_at_from_date(NOW, date(2025, 3, 31)) == datetime(
        2025, 4, 1, 0, 0, 0
    )


def test_from_date_follows_daylight_saving_time():
    # Europe/Berlin switches to UTC+2 on 2025-03-30.
    berlin = "Europe/Berlin"
    assert expiry.expires_at_from_date(NOW, date(2025, 3, 29), berlin) == datetime(
        2025, 3, 29, 23, 0
    )
    assert expiry.expires_at_from_date(NOW, date(2025, 3, 30), berlin) == datetime(
        2025, 3, 30, 22, 0
    )


def test_from_date_today_is_valid_until_tonight():
    now = datetime(2025, 3, 31, 16, 59, 59)
    result = expiry.expires_at_from_date(now, date(2025, 3, 31), "Asia/Bangkok")
    assert result == datetime(2025, 3, 31, 17, 0, 0)


def test_from_date_refuses_a_day_already_over():
    # 17:00 UTC is exactly midnight in Bangkok, so the last day has just ended.
    now = datetime(2025, 3, 31, 17, 0, 0)
    with pytest.raises(expiry.ExpiryError) as caught:
        expiry.expires_at_from_date(now, date(2025, 3, 31), "Asia/Bangkok")
    assert caught.value.reason == "in_past"


def test_from_date_refuses_yesterday():
    with pytest.raises(expiry.ExpiryError) as caught:
        expiry.expires_at_from_date(NOW, date(2024, 12, 30))
    assert caught.value.reason == "in_past"


def test_from_date_allows_max_days_plus_end_of_day_tolerance():
    # NOW + 365 days is 2026-01-01 00:00; the whole of that day is allowed.
    assert expiry.expires_at_from_date(NOW, date(2026, 1, 1)) == datetime(2026, 1, 2)


def test_from_date_refuses_one_day_beyond_tolerance():
    with pytest.raises(expiry.ExpiryError) as caught:
        expiry.expires_at_from_date(NOW, date(2026, 1, 2))
    assert caught.value.reason == "too_far"


def test_from_date_cap_in_bangkok():
    bangkok = "Asia/Bangkok"
    assert expiry.expires_at_from_date(NOW, date(2026, 1, 1), bangkok) == datetime(
        2026, 1, 1, 17, 0
    )
    with pytest.raises(expiry.ExpiryError) as caught:
        expiry.expires_at_from_date(NOW, date(2026, 1, 2), bangkok)
    assert caught.value.reason == "too_far"


# link_state


EXPIRES_AT = datetime(2025, 2, 1, 12, 0, 0)


def test_state_active_one_second_before_expiry():
    before = EXPIRES_AT - timedelta(seconds=1)
    assert expiry.link_state(before, EXPIRES_AT) == "active"


def test_state_expired_at_the_boundary_second():
    assert expiry.link_state(EXPIRES_AT, EXPIRES_AT) == "expired"


def test_state_expired_after():
    after = EXPIRES_AT + timedelta(days=1)
    assert expiry.link_state(after, EXPIRES_AT) == "expired"


def test_state_revoked_wins_over_everything():
    after = EXPIRES_AT + timedelta(days=1)
    state = expiry.link_state(after, EXPIRES_AT, revoked_at=NOW, closed=True)
    assert state == "revoked"


def test_state_closed_wins_over_expired():
    after = EXPIRES_AT + timedelta(days=1)
    assert expiry.link_state(after, EXPIRES_AT, closed=True) == "closed"


def test_state_closed_while_otherwise_active():
    assert expiry.link_state(NOW, EXPIRES_AT, closed=True) == "closed"


def test_state_odoo_false_means_not_revoked():
    assert expiry.link_state(NOW, EXPIRES_AT, revoked_at=False) == "active"


def test_every_state_is_listed():
    states = {
        expiry.link_state(NOW, EXPIRES_AT),
        expiry.link_state(EXPIRES_AT, EXPIRES_AT),
        expiry.link_state(NOW, EXPIRES_AT, revoked_at=NOW),
        expiry.link_state(NOW, EXPIRES_AT, closed=True),
    }
    assert states == set(expiry.LINK_STATES)
