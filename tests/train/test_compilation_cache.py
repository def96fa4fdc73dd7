"""JAX's persistent compilation cache, on by default (jaxdl/platform.py): a second identical `jaxdl train`
loads every program instead of compiling it (cache hits counted in summary.json's timings) and writes the
same metrics bit for bit; where the cache lives, and turning it off."""

import json
import os
import subprocess
import sys

import jax

from jaxdl import platform

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "tests", "configs", "tiny_mlp.py")


def train(cli_env, cache, workdir):
    """`jaxdl train` of the tiny config (40 steps) with `cache` as its compilation cache -> (summary, env)."""
    out = subprocess.run([sys.executable, "-m", "jaxdl.cli", "train", "--config", CONFIG, "--workdir", str(workdir),
                          "--quiet", "--config.steps=40"], env=dict(cli_env, JAXDL_COMPILATION_CACHE=str(cache)),
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return tuple(json.load(open(os.path.join(workdir, name))) for name in ("summary.json", "env.json"))


def test_a_second_run_compiles_nothing_and_writes_the_same_bytes(cli_env, tmp_path):
    cache = tmp_path / "xla"
    first, env = train(cli_env, cache, tmp_path / "a")
    second, _ = train(cli_env, cache, tmp_path / "b")
    assert env["compilation_cache"] == str(cache) and os.listdir(cache)
    a, b = first["timings"]["total"], second["timings"]["total"]
    assert a["cache_misses"] > 0  # an empty cache: every program compiled (and written)
    assert b["cache_misses"] == 0 and b["cache_hits"] == a["cache_hits"] + a["cache_misses"]
    assert b["programs"].keys() == a["programs"].keys()
    # loading an executable takes a small part of compiling it (traced and lowered still: the cache's key)
    assert sum(b["programs"].values()) < 0.3 * sum(a["programs"].values())
    metrics = [open(tmp_path / w / "metrics.jsonl", "rb").read() for w in ("a", "b")]
    assert metrics[0] == metrics[1]


def test_where_the_cache_is_and_turning_it_off(monkeypatch, tmp_path):
    names = ("jax_enable_compilation_cache", "jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs",
             "jax_persistent_cache_min_entry_size_bytes", "jax_compilation_cache_max_size")
    session = {name: getattr(jax.config, name) for name in names}  # conftest's: given back below
    try:
        monkeypatch.delenv(platform.CACHE_ENV, raising=False)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
        jax.config.update("jax_compilation_cache_dir", None)
        assert platform.use_compilation_cache(True) == str(tmp_path / "home" / "jaxdl" / "xla")  # the default
        assert jax.config.jax_persistent_cache_min_compile_time_secs == 0  # small CPU programs are cached too
        jax.config.update("jax_compilation_cache_dir", str(tmp_path / "jax"))  # e.g. $JAX_COMPILATION_CACHE_DIR
        assert platform.use_compilation_cache(True) == str(tmp_path / "jax")
        monkeypatch.setenv(platform.CACHE_ENV, str(tmp_path / "mine"))  # jaxdl's own variable wins
        assert platform.use_compilation_cache(True) == platform.compilation_cache_dir() == str(tmp_path / "mine")
        assert platform.use_compilation_cache(False) is None and platform.compilation_cache_dir() is None
    finally:
        for name, value in session.items():
            jax.config.update(name, value)


def test_the_cache_is_trimmed_to_its_cap_least_recently_used_first(monkeypatch, tmp_path):
    """When the cache is turned on, at most once a day: JAX's own cap stays off (its LRU cache lists the whole
    cache on every write); a cap the user set for JAX is JAX's, with the access times its eviction reads."""
    names = ("jax_enable_compilation_cache", "jax_compilation_cache_dir", "jax_compilation_cache_max_size")
    session = {name: getattr(jax.config, name) for name in names}  # conftest's: given back below
    cache = tmp_path / "xla"
    cache.mkdir()
    for i, name in enumerate(["jit_old", "jit_mid", "jit_new"]):  # 40 bytes each, last used in this order
        (cache / f"{name}-cache").write_bytes(b"x" * 40)
        os.utime(cache / f"{name}-cache", ns=(10**18 + i * 10**9,) * 2)
    (cache / "jit_old-atime").write_bytes(b"\0" * 8)  # from JAX's own LRU cache: goes with its entry
    try:
        monkeypatch.delenv("JAX_COMPILATION_CACHE_MAX_SIZE", raising=False)
        monkeypatch.setenv(platform.CACHE_ENV, str(cache))
        monkeypatch.setattr(platform, "CACHE_MAX_BYTES", 100)
        assert platform.use_compilation_cache(True) == str(cache)
        assert jax.config.jax_compilation_cache_max_size == -1
        assert sorted(os.listdir(cache)) == [".jaxdl-trimmed", "jit_mid-cache", "jit_new-cache"]
        (cache / "jit_more-cache").write_bytes(b"x" * 40)
        platform.use_compilation_cache(True)  # trimmed today already: left over its cap until tomorrow
        assert len(os.listdir(cache)) == 4
        os.utime(cache / ".jaxdl-trimmed", (0, 0))
        platform.use_compilation_cache(True)
        assert sorted(os.listdir(cache)) == [".jaxdl-trimmed", "jit_more-cache", "jit_new-cache"]
        (cache / "jit_mid-cache").write_bytes(b"x" * 40)
        assert platform.trim_compilation_cache(str(cache), 80) == ["jit_new"]  # the oldest of the three now
        assert platform.trim_compilation_cache(str(tmp_path / "none"), 0) == []

        monkeypatch.setenv("JAX_COMPILATION_CACHE_MAX_SIZE", "1000")  # the user's cap: JAX's, kept
        jax.config.update("jax_compilation_cache_max_size", 1000)
        platform.use_compilation_cache(True)
        assert jax.config.jax_compilation_cache_max_size == 1000
        assert sorted(os.listdir(cache)) == [".jaxdl-trimmed", "jit_mid-atime", "jit_mid-cache", "jit_more-atime",
                                             "jit_more-cache"]
    finally:
        for name, value in session.items():
            jax.config.update(name, value)
