"""Tests for jingjai_portal/lib/access_code.py, each limit at its boundary."""

import hashlib
from datetime import datetime, timedelta

import pytest
from _lib_import import load

access_code = load("access_code")

NOW = datetime(2025, 6, 1, 12, 0, 0)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)


def test_constants():
    assert access_code.CODE_DIGITS == 6
    assert access_code.CODE_TTL == timedelta(minutes=10)
    assert access_code.MAX_TRIES_PER_CODE == 5
    assert access_code.RESEND_COOLDOWN == timedelta(seconds=60)
    assert access_code.MAX_CODES_PER_HOUR == 5
    assert access_code.LOCKOUT_FAILURES == 10
    assert access_code.LOCKOUT_WINDOW == timedelta(hours=1)
    assert access_code.LOCKOUT_DURATION == timedelta(minutes=15)
    assert access_code.DEFAULT_UNLOCK_HOURS == 12
    assert access_code.DEFAULT_THRESHOLD_THB == 500000


# Codes and digests


def test_new_code_is_six_ascii_digits():
    for _ in range(200):
        code = access_code.new_code()
        assert len(code) == 6
        assert code.isascii() and code.isdigit()
        assert access_code.normalize_code(code) == code


def test_new_code_is_zero_padded(monkeypatch):
    monkeypatch.setattr(access_code.secrets, "randbelow", lambda bound: 42)
    assert access_code.new_code() == "000042"


def test_new_code_uses_the_whole_range(monkeypatch):
    bounds = []

    def fake_randbelow(bound):
        bounds.append(bound)
        return bound - 1

    monkeypatch.setattr(access_code.secrets, "randbelow", fake_randbelow)
    assert access_code.new_code() == "999999"
    assert bounds == [10**6]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123456", "123456"),
        ("000000", "000000"),
        (" 123 456 ", "123456"),
        ("123-456", "123456"),
        ("1 2-3\t4\n5 6", "123456"),
        ("123\u00a0456", "123456"),
        ("๑๒๓๔๕๖", "123456"),
        ("๐๐๐ ๙๙๙", "000999"),
        ("１２３４５６", "123456"),
        ("12๓４56", "123456"),
        # Control characters are dropped before the digits are read.
        ("123456\x00", "123456"),
        ("\u202e123456", "123456"),
    ],
)
def test_normalize_code_accepts(raw, expected):
    assert access_code.normalize_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "1234567",
        "12345a",
        "123.456",
        "١٢٣٤٥٦",  # Arabic-Indic digits are not translated.
        "--",
        None,
        123456,
    ],
)
def test_normalize_code_refuses(raw):
    assert access_code.normalize_code(raw) is None


def test_new_salt_is_random_hex():
    salt = access_code.new_salt()
    assert len(salt) == 32
    int(salt, 16)
    assert access_code.new_salt() != salt


def test_code_digest_is_pbkdf2_sha256_with_10000_iterations():
    expected = hashlib.pbkdf2_hmac("sha256", b"123456", b"salt", 10000).hex()
    assert access_code.code_digest("123456", "salt") == expected


def test_code_digest_depends_on_salt():
    assert access_code.code_digest("123456", "a") != access_code.code_digest(
        "123456", "b"
    )


def test_codes_match():
    salt = access_code.new_salt()
    digest = access_code.code_digest("012345", salt)
    assert access_code.codes_match("012345", salt, digest)
    assert access_code.codes_match("012 345", salt, digest)
    assert access_code.codes_match("๐๑๒๓๔๕", salt, digest)
    assert not access_code.codes_match("012346", salt, digest)
    assert not access_code.codes_match("12345", salt, digest)
    assert not access_code.codes_match("", salt, digest)
    assert not access_code.codes_match("012345", "other salt", digest)


# can_send


def test_can_send_first_code():
    assert access_code.can_send(NOW, []) == (True, None)


def test_can_send_refused_just_before_cooldown_ends():
    last = NOW - access_code.RESEND_COOLDOWN + SECOND
    assert access_code.can_send(NOW, [last]) == (False, NOW + SECOND)


def test_can_send_allowed_exactly_when_cooldown_ends():
    last = NOW - access_code.RESEND_COOLDOWN
    assert access_code.can_send(NOW, [last]) == (True, None)


def test_can_send_allows_four_in_the_hour():
    sent = [NOW - MINUTE * minutes for minutes in (50, 40, 30, 20)]
    assert access_code.can_send(NOW, sent) == (True, None)


def test_can_send_refuses_the_sixth_in_the_hour():
    sent = [NOW - MINUTE * minutes for minutes in (50, 40, 30, 20, 10)]
    # Allowed again once the send from 50 minutes ago is an hour old.
    assert access_code.can_send(NOW, sent) == (False, NOW + 10 * MINUTE)


def test_can_send_hourly_cap_at_its_boundary():
    sent = [NOW - MINUTE * minutes for minutes in (59, 40, 30, 20, 10)]
    oldest_plus_hour = NOW + MINUTE
    assert access_code.can_send(NOW + MINUTE - SECOND, sent) == (
        False,
        oldest_plus_hour,
    )
    # A send exactly one hour ago no longer counts.
    assert access_code.can_send(oldest_plus_hour, sent) == (True, None)


def test_can_send_ignores_sends_older_than_an_hour():
    sent = [NOW - timedelta(hours=1, minutes=minutes) for minutes in range(10)]
    assert access_code.can_send(NOW, sent) == (True, None)


def test_can_send_reports_the_later_of_both_limits():
    # Five sends in the hour and the last one 10 seconds ago: the hourly cap
    # lifts in 10 minutes, later than the cooldown.
    sent = [NOW - MINUTE * minutes for minutes in (50, 40, 30, 20)]
    sent.append(NOW - 10 * SECOND)
    assert access_code.can_send(NOW, sent) == (False, NOW + 10 * MINUTE)


def test_can_send_reports_cooldown_when_it_is_later():
    sent = [NOW - 59 * MINUTE - 30 * SECOND] + [
        NOW - MINUTE * minutes for minutes in (40, 30, 20)
    ]
    sent.append(NOW - 10 * SECOND)
    assert access_code.can_send(NOW, sent) == (False, NOW + 50 * SECOND)


def test_can_send_accepts_unsorted_input():
    sent = [NOW - MINUTE * minutes for minutes in (10, 50, 30, 20, 40)]
    assert access_code.can_send(NOW, sent) == (False, NOW + 10 * MINUTE)


# lockout_until


def _failures(count, last, spacing=MINUTE):
    return [last - spacing * index for index in range(count)]


def test_no_lockout_without_failures():
    assert access_code.lockout_until(NOW, []) is None


def test_no_lockout_after_nine_failures():
    assert access_code.lockout_until(NOW, _failures(9, NOW)) is None


def test_lockout_after_ten_failures():
    expected = NOW + access_code.LOCKOUT_DURATION
    assert access_code.lockout_until(NOW, _failures(10, NOW)) == expected


def test_lockout_ends_at_its_boundary():
    failures = _failures(10, NOW)
    ends = NOW + access_code.LOCKOUT_DURATION
    assert access_code.lockout_until(ends - SECOND, failures) == ends
    assert access_code.lockout_until(ends, failures) is None


def test_lockout_counts_from_the_tenth_failure_not_the_latest_check():
    failures = _failures(10, NOW - 5 * MINUTE)
    assert access_code.lockout_until(NOW, failures) == NOW + 10 * MINUTE


def test_ten_failures_spanning_just_under_an_hour_lock():
    # Nine gaps of (1 hour - 1 second) / 9 would not be whole seconds, so the
    # first failure is placed by hand.
    failures = [NOW - access_code.LOCKOUT_WINDOW + SECOND] + _failures(9, NOW)
    assert access_code.lockout_until(NOW, failures) == (
        NOW + access_code.LOCKOUT_DURATION
    )


def test_ten_failures_spanning_exactly_an_hour_do_not_lock():
    failures = [NOW - access_code.LOCKOUT_WINDOW] + _failures(9, NOW)
    assert access_code.lockout_until(NOW, failures) is None


def test_slow_failures_never_lock():
    failures = _failures(30, NOW, spacing=7 * MINUTE)
    assert access_code.lockout_until(NOW, failures) is None


def test_lockout_from_old_burst_has_expired():
    failures = _failures(10, NOW - 20 * MINUTE)
    assert access_code.lockout_until(NOW, failures) is None


def test_lockout_accepts_unsorted_input():
    failures = list(reversed(_failures(10, NOW)))
    expected = NOW + access_code.LOCKOUT_DURATION
    assert access_code.lockout_until(NOW, failures) == expected


# code_usable


def test_code_usable_fresh():
    assert access_code.code_usable(NOW, NOW, 0, False)


def test_code_usable_until_ttl_boundary():
    sent_at = NOW - access_code.CODE_TTL
    assert access_code.code_usable(NOW - SECOND, sent_at, 0, False)
    assert not access_code.code_usable(NOW, sent_at, 0, False)


def test_code_usable_until_max_tries():
    assert access_code.code_usable(NOW, NOW, 4, False)
    assert not access_code.code_usable(NOW, NOW, 5, False)


def test_code_not_usable_once_used():
    assert not access_code.code_usable(NOW, NOW, 0, True)


# code_required


@pytest.mark.parametrize(
    ("enabled", "always", "balance", "expected"),
    [
        (False, True, 900000, False),
        (False, False, 900000, False),
        (True, True, 0, True),
        (True, False, 500000.01, True),
        (True, False, 500000, False),
        (True, False, 0, False),
        (True, False, None, False),
        (True, False, -700000, False),
    ],
)
def test_code_required(enabled, always, balance, expected):
    assert access_code.code_required(enabled, always, balance, 500000) is expected


# tries_left and windows


def test_tries_left():
    assert access_code.tries_left(0) == 5
    assert access_code.tries_left(4) == 1
    assert access_code.tries_left(5) == 0
    assert access_code.tries_left(7) == 0


def test_failures_since_keeps_every_failure_that_can_still_lock():
    since = access_code.failures_since(NOW)
    assert since == NOW - timedelta(minutes=75)
    # The latest lockout still running at NOW started one second after
    # NOW - LOCKOUT_DURATION; its ten failures may span just under an hour.
    last = NOW - access_code.LOCKOUT_DURATION + SECOND
    failures = [last - access_code.LOCKOUT_WINDOW + SECOND] + _failures(9, last)
    assert access_code.lockout_until(NOW, failures) == NOW + SECOND
    assert min(failures) > since


def test_sends_since_is_the_can_send_window():
    since = access_code.sends_since(NOW)
    assert since == NOW - timedelta(hours=1)
    assert access_code.can_send(NOW, [since] * 5) == (True, None)


# Unlock secrets


def test_unlock_secret_is_256_random_bits_url_safe():
    secret = access_code.new_unlock_secret()
    assert len(secret) == 43
    assert access_code.is_unlock_secret(secret)
    assert access_code.new_unlock_secret() != secret


@pytest.mark.parametrize(
    "value",
    [None, "", "short", "a" * 42, "a" * 44, "a" * 42 + "=", "a" * 42 + "é", 12],
)
def test_is_unlock_secret_refuses(value):
    assert not access_code.is_unlock_secret(value)


def test_unlock_digest_is_sha256_hex():
    secret = "A" * 43
    assert access_code.unlock_digest(secret) == hashlib.sha256(b"A" * 43).hexdigest()
