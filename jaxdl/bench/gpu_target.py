"""Compile-only NVIDIA GPU topologies for `jaxdl bench --target gpu:h100x8`: the CUDA PJRT plugin
(jax-cuda12-plugin, no driver or GPU needed) builds devices from a GpuTargetConfigProto in text format.

The fields below are a subset of openxla/xla's xla/backends/gpu/target_config/specs/h100_sxm.txtpb and
h200.txtpb, with their values (what those cards report to XLA): thread, block, shared-memory and register
limits, SM count and clock, memory size and bandwidth, compute capability 9.0. Left out: the per-instruction
rate tables and version strings; cuDNN 9.8 is the floor jax-cuda12-plugin 0.10.2 requires."""

from __future__ import annotations

import importlib.util

INSTALL = "pip install -e '.[gpu-aot]'"
_CARDS = {  # name -> (device_memory_size bytes, memory_bandwidth bytes/s, device name XLA reports)
    "h100": (84942979072, 3352320000000, "NVIDIA H100 80GB HBM3"),
    "h200": (151397597184, 4800000000000, "NVIDIA H200 141GB HBM3e"),
}
_TEMPLATE = """gpu_device_info {{
  threads_per_block_limit: 1024
  threads_per_warp: 32
  shared_memory_per_block: 49152
  shared_memory_per_core: 233472
  threads_per_core_limit: 2048
  core_count: 132
  fpus_per_core: 128
  block_dim_limit_x: 2147483647
  block_dim_limit_y: 65535
  block_dim_limit_z: 65535
  memory_bandwidth: {bandwidth}
  l2_cache_size: 52428800
  clock_rate_ghz: 1.98
  device_memory_size: {memory}
  shared_memory_per_block_optin: 232448
  cuda_compute_capability {{ major: 9 }}
  registers_per_core_limit: 65536
  registers_per_block_limit: 65536
}}
platform_name: "CUDA"
dnn_version_info {{ major: 9 minor: 8 }}
device_description_str: "{name}"
"""


def has_cuda_plugin() -> bool:
    return importlib.util.find_spec("jax_cuda12_plugin") is not None


def gpu_devices(card: str, count: int) -> list:
    """`count` compile-only devices of `card` ("h100", "h200") on one host. Needs JAX_PLATFORMS=cpu where
    no GPU is attached (the CUDA backend would otherwise fail to start)."""
    from jax.experimental import topologies

    memory, bandwidth, name = _CARDS[card]
    config = _TEMPLATE.format(memory=memory, bandwidth=bandwidth, name=name)
    topo = topologies.get_topology_desc(platform="cuda", target_config=config, topology=f"1x1x{count}")
    return list(topo.devices)
