"""The sync worker's cache of unwrapped data keys: bounded, least recently used dropped first."""

from __future__ import annotations

from chalicelib.aws.credential_vault import DataKeyCache


def key(n: int) -> tuple[str, bytes, str]:
    return ("arn:aws:kms:key/1", bytes([n]) * 8, str(n))


def test_the_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    cache = DataKeyCache(max_entries=2)
    cache.put(key(1), b"one")
    cache.put(key(2), b"two")
    assert cache.get(key(1)) == b"one"  # 1 is now the most recently used
    cache.put(key(3), b"three")
    assert len(cache) == 2
    assert cache.get(key(2)) is None and cache.get(key(1)) == b"one" and cache.get(key(3)) == b"three"


def test_entries_are_per_key_id_wrapped_key_and_account() -> None:
    cache = DataKeyCache()
    cache.put(key(1), b"one")
    assert cache.get(("arn:aws:kms:key/2", bytes([1]) * 8, "1")) is None  # another KMS key
    assert cache.get(("arn:aws:kms:key/1", bytes([1]) * 8, "2")) is None  # another account
    assert "one" not in repr(cache)
