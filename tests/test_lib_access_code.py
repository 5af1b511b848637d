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
    assert access_code.BROWSER_CODES_PER_HOUR == 3
    assert access_code.NETWORK_CODES_PER_HOUR == 5
    assert access_code.NETWORK_CODES_PER_DAY == 10
    assert access_code.LINK_CODES_PER_HOUR == 10
    assert access_code.LINK_CODES_PER_DAY == 20
    assert access_code.LOCKOUT_FAILURES == 10
    assert access_code.NETWORK_LOCKOUT_FAILURES == 20
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


# can_send: per browser, per network, per link


def _sends(*minutes_ago):
    return [NOW - MINUTE * minutes for minutes in minutes_ago]


def test_can_send_first_code():
    assert access_code.can_send(NOW, []) == (True, None)
    assert access_code.can_send(NOW, [], [], []) == (True, None)


def test_can_send_browser_cooldown_at_its_boundary():
    last = NOW - access_code.RESEND_COOLDOWN
    assert access_code.can_send(NOW - SECOND, [last], [last]) == (False, NOW)
    assert access_code.can_send(NOW, [last], [last]) == (True, None)


def test_cooldown_is_per_browser():
    # Another browser asked a second ago: this one may ask too.
    just_now = [NOW - SECOND]
    assert access_code.can_send(NOW, just_now, [], just_now) == (True, None)


def test_can_send_three_per_browser_and_hour():
    sent = _sends(40, 20)
    assert access_code.can_send(NOW, sent, sent) == (True, None)
    sent = _sends(50, 40, 20)
    # Allowed again once the send from 50 minutes ago is an hour old.
    assert access_code.can_send(NOW, sent, sent) == (False, NOW + 10 * MINUTE)
    assert access_code.can_send(NOW + 10 * MINUTE, sent, sent) == (True, None)


def test_can_send_five_per_network_and_hour():
    sent = _sends(50, 40, 30, 20)
    assert access_code.can_send(NOW, sent, [], sent) == (True, None)
    sent = _sends(59, 40, 30, 20, 10)
    assert access_code.can_send(NOW + MINUTE - SECOND, sent, [], sent) == (
        False,
        NOW + MINUTE,
    )
    # A send exactly one hour ago no longer counts.
    assert access_code.can_send(NOW + MINUTE, sent, [], sent) == (True, None)


def test_can_send_ten_per_network_and_day():
    # Two per hour over the day: never five in an hour, ten in the day.
    sent = [NOW - timedelta(hours=hours) for hours in range(1, 11)]
    assert access_code.can_send(NOW, sent, [], sent[:9]) == (True, None)
    oldest = NOW - timedelta(hours=10)
    assert access_code.can_send(NOW, sent, [], sent) == (
        False,
        oldest + timedelta(days=1),
    )


def test_can_send_ten_per_link_and_hour():
    sent = [NOW - MINUTE * minutes for minutes in range(50, 5, -5)]
    assert len(sent) == 9
    assert access_code.can_send(NOW, sent) == (True, None)
    sent.append(NOW - 2 * MINUTE)
    assert access_code.can_send(NOW, sent) == (False, NOW + 10 * MINUTE)


def test_can_send_twenty_per_link_and_day():
    sent = [NOW - timedelta(hours=hours) for hours in range(1, 21)]
    assert access_code.can_send(NOW, sent[:19]) == (True, None)
    assert access_code.can_send(NOW, sent) == (
        False,
        NOW - timedelta(hours=20) + timedelta(days=1),
    )
    # A send exactly one day ago no longer counts.
    assert access_code.can_send(NOW + timedelta(hours=4), sent) == (True, None)


def test_can_send_ignores_sends_older_than_a_day():
    sent = [NOW - timedelta(days=1, minutes=minutes) for minutes in range(30)]
    assert access_code.can_send(NOW, sent, sent, sent) == (True, None)


def test_can_send_reports_the_latest_of_all_limits():
    # The browser's cooldown ends in 50 seconds, its hourly cap in 10 minutes.
    browser = _sends(50, 40) + [NOW - 10 * SECOND]
    assert access_code.can_send(NOW, browser, browser) == (
        False,
        NOW + 10 * MINUTE,
    )
    # Eleven sends of the link in the hour: its cap lifts when the second
    # oldest (45 minutes ago) is an hour old, later still.
    link = browser + _sends(45, 35, 30, 25, 20, 15, 5, 2)
    assert access_code.can_send(NOW, link, browser) == (False, NOW + 15 * MINUTE)


def test_can_send_reports_cooldown_when_it_is_later():
    browser = [NOW - 10 * SECOND]
    assert access_code.can_send(NOW, browser, browser) == (False, NOW + 50 * SECOND)


def test_can_send_accepts_unsorted_input():
    sent = _sends(10, 50, 20)
    assert access_code.can_send(NOW, sent, sent) == (False, NOW + 10 * MINUTE)


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


def test_network_lockout_after_twenty_failures():
    threshold = access_code.NETWORK_LOCKOUT_FAILURES
    failures = _failures(19, NOW, spacing=2 * MINUTE)
    assert access_code.lockout_until(NOW, failures, threshold) is None
    failures.append(NOW - 39 * MINUTE)
    assert access_code.lockout_until(NOW, failures, threshold) == (
        NOW + access_code.LOCKOUT_DURATION
    )


def test_lockout_runs_from_its_start():
    locked_at = NOW - 10 * MINUTE
    failures = _failures(10, locked_at)
    assert access_code.lockout_until(NOW, failures, locked_at=locked_at) == (
        NOW + 5 * MINUTE
    )


def test_failures_before_a_lockout_are_spent():
    """After a lockout, the next wrong code starts counting from one again."""
    locked_at = NOW - access_code.LOCKOUT_DURATION
    failures = _failures(10, locked_at) + [NOW]
    # Without the lockout's start, the eleventh failure would lock again.
    assert access_code.lockout_until(NOW, failures) == (
        NOW + access_code.LOCKOUT_DURATION
    )
    assert access_code.lockout_until(NOW, failures, locked_at=locked_at) is None
    failures += _failures(9, NOW + 9 * SECOND, spacing=SECOND)
    assert access_code.lockout_until(
        NOW + 9 * SECOND, failures, locked_at=locked_at
    ) == (NOW + 9 * SECOND + access_code.LOCKOUT_DURATION)


# Networks and browsers


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("::1", "::/64"),
        ("203.0.113.7\x00", "203.0.113.7"),
        ("not an address", "not an address"),
        (None, ""),
    ],
)
def test_network_key(address, expected):
    assert access_code.network_key(address) == expected


def test_two_addresses_of_one_ipv6_line_are_one_network():
    assert access_code.network_key("2001:db8:0:1::1") == access_code.network_key(
        "2001:db8:0:1:ffff:ffff:ffff:ffff"
    )
    assert access_code.network_key("2001:db8:0:1::1") != access_code.network_key(
        "2001:db8:0:2::1"
    )


def test_browser_key_is_a_stable_digest():
    session = "A" * 42
    key = access_code.browser_key(session)
    assert key == access_code.browser_key(session)
    assert len(key) == 32
    int(key, 16)
    assert session not in key
    assert access_code.browser_key("B" * 42) != key


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


def test_sends_since_is_the_longest_can_send_window():
    since = access_code.sends_since(NOW)
    assert since == NOW - timedelta(days=1)
    assert access_code.can_send(NOW, [since] * 30, [since] * 30, [since] * 30) == (
        True,
        None,
    )


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
