"""marketplace/core/cache_redis.py: Django's Redis cache with one client per pool and a
plain pipeline for `set_many`; it behaves as Django's backend does."""

import os
import time

import pytest

from marketplace.core.cache_redis import RedisCache

# A database of its own on the Redis server the tests use (REDIS_URL), or the local one.
SERVER = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
LOCATION = f"{SERVER}/13"


@pytest.fixture
def redis_cache():
    cache = RedisCache(LOCATION, {"KEY_PREFIX": f"test-cache-redis-{os.getpid()}"})
    try:
        cache.get("ping")
    except Exception as exc:  # no server here
        pytest.skip(f"no Redis at {LOCATION}: {exc}")
    yield cache
    cache.delete_many(["a", "b", "c", "gone", "kept"])


def test_a_client_is_kept_per_pool(redis_cache):
    client = redis_cache._cache.get_client("a")
    assert redis_cache._cache.get_client("b") is client
    assert redis_cache._cache.get_client("a", write=True) is client  # one server: one pool


def test_set_get_and_set_many_as_django(redis_cache):
    redis_cache.set("a", {"x": [1, 2.5]}, 60)
    assert redis_cache.get("a") == {"x": [1, 2.5]}
    redis_cache.set_many({"b": 1, "c": "zwei"}, 60)
    assert redis_cache.get_many(["a", "b", "c", "missing"]) == {
        "a": {"x": [1, 2.5]},
        "b": 1,
        "c": "zwei",
    }
    client = redis_cache._cache.get_client()
    for key in ("b", "c"):
        assert 0 < client.ttl(redis_cache.make_key(key)) <= 60


def test_set_many_timeouts(redis_cache):
    redis_cache.set_many({"kept": 1}, None)
    assert redis_cache._cache.get_client().ttl(redis_cache.make_key("kept")) == -1  # no expiry
    redis_cache.set("gone", 1, 60)
    redis_cache.set_many({"gone": 2}, 0)  # Django: a timeout of 0 deletes
    assert redis_cache.get("gone") is None
    redis_cache.set_many({"a": 1}, 1)
    time.sleep(1.1)
    assert redis_cache.get("a") is None
