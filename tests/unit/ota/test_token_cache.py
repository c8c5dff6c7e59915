"""The container's bearer-token cache: kept until renewal time, bounded, keyed by the secret too,
and a refused token forgotten only if nobody replaced it meanwhile."""

from __future__ import annotations

from chalicelib.ota.budget import FakeClock
from chalicelib.ota.tokens import TokenCache, TokenKey

KEY = TokenKey.of("https://supply-xml.booking.com", "client", "secret-1")


def test_a_token_is_kept_until_its_renewal_time() -> None:
    clock = FakeClock()
    cache = TokenCache(clock=clock)
    cache.put(KEY, "jwt-1", keep_seconds=3300)
    clock.advance(3299)
    assert cache.get(KEY) == "jwt-1"
    clock.advance(1)
    assert cache.get(KEY) is None
    assert len(cache) == 0  # forgotten, not kept stale


def test_another_secret_is_another_key() -> None:
    cache = TokenCache(clock=FakeClock())
    cache.put(KEY, "jwt-1", keep_seconds=60)
    assert cache.get(TokenKey.of("https://supply-xml.booking.com", "client", "secret-2")) is None
    assert cache.get(TokenKey.of("https://other.example", "client", "secret-1")) is None
    assert "secret-1" not in repr(KEY)  # only its digest is kept


def test_dropping_a_refused_token_keeps_a_newer_one() -> None:
    cache = TokenCache(clock=FakeClock())
    cache.put(KEY, "jwt-2", keep_seconds=60)  # another adapter already renewed
    cache.drop(KEY, "jwt-1")
    assert cache.get(KEY) == "jwt-2"
    cache.drop(KEY, "jwt-2")
    assert cache.get(KEY) is None


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    cache = TokenCache(max_entries=2, clock=FakeClock())
    keys = [TokenKey.of("https://b.example", f"client-{n}", "s") for n in range(3)]
    cache.put(keys[0], "t0", keep_seconds=60)
    cache.put(keys[1], "t1", keep_seconds=60)
    assert cache.get(keys[0]) == "t0"  # used: now the most recent
    cache.put(keys[2], "t2", keep_seconds=60)
    assert len(cache) == 2
    assert cache.get(keys[1]) is None
    assert cache.get(keys[0]) == "t0" and cache.get(keys[2]) == "t2"
