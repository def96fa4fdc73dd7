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


def test_the_cache_is_capped_and_an_uncapped_one_gets_the_access_times_eviction_reads(monkeypatch, tmp_path):
    names = ("jax_enable_compilation_cache", "jax_compilation_cache_dir", "jax_compilation_cache_max_size")
    session = {name: getattr(jax.config, name) for name in names}  # conftest's: given back below
    old = tmp_path / "old"  # written by a run without a cap: programs, no access times
    old.mkdir()
    (old / "jit_f-1234-cache").write_bytes(b"x" * 10)
    try:
        monkeypatch.delenv("JAX_COMPILATION_CACHE_MAX_SIZE", raising=False)
        monkeypatch.setenv(platform.CACHE_ENV, str(old))
        assert platform.use_compilation_cache(True) == str(old)
        assert jax.config.jax_compilation_cache_max_size == platform.CACHE_MAX_BYTES == 1 << 30
        assert sorted(os.listdir(old)) == ["jit_f-1234-atime", "jit_f-1234-cache"]
        monkeypatch.setenv("JAX_COMPILATION_CACHE_MAX_SIZE", "-1")  # the user's cap (here: none) is kept
        jax.config.update("jax_compilation_cache_max_size", -1)
        platform.use_compilation_cache(True)
        assert jax.config.jax_compilation_cache_max_size == -1
    finally:
        for name, value in session.items():
            jax.config.update(name, value)


def test_past_the_cap_jax_evicts_the_least_recently_used_programs(tmp_path):
    """Six tiny programs (~2.5 kB each) into a cache capped at 6,000 bytes: the oldest go, the newest stays."""
    code = ("import jax, jax.numpy as jnp\nfrom jaxdl import platform\nplatform.use_compilation_cache(True)\n"
            "for i in range(4):\n    jax.jit(lambda x, i=i: x * i + jnp.sin(x)).lower(jnp.ones(8)).compile()\n")
    cache = tmp_path / "xla"
    env = dict(os.environ, **{platform.CACHE_ENV: str(cache), "JAX_COMPILATION_CACHE_MAX_SIZE": "6000"})
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "compilation cache" not in out.stderr, out.stderr  # no write failed
    programs = [p for p in cache.iterdir() if p.name.endswith("-cache")]
    assert 1 <= len(programs) < 6 and sum(p.stat().st_size for p in programs) <= 6000
    assert all((cache / (p.name[:-len("cache")] + "atime")).exists() for p in programs)
