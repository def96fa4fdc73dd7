"""Per-chip peaks: dense FLOP/s for MFU, and for ahead-of-time targets (jaxdl/bench/aot.py) HBM capacity,
HBM bandwidth and interconnect bandwidth for the roofline. Vendor datasheet figures, dense (no sparsity).

Sources (read 2026-12):
  TPU v4  https://cloud.google.com/tpu/docs/v4   275 TFLOP/s bf16, 32 GiB HBM2 at 1200 GB/s (ICI not listed)
  TPU v5e https://cloud.google.com/tpu/docs/v5e  197 TFLOP/s bf16, 16 GiB HBM2 at 819 GB/s, ICI 400 GB/s bidir.
  TPU v5p https://cloud.google.com/tpu/docs/v5p  459 TFLOP/s bf16, 95 GiB HBM2e at 2765 GB/s, ICI 1200 GB/s bidir.
  TPU v6e https://cloud.google.com/tpu/docs/v6e  918 TFLOP/s bf16, 32 GB HBM at 1638 GB/s, ICI 800 GB/s bidir.
  H100 SXM / H200 https://www.nvidia.com/en-us/data-center/h100/ and /h200/: 989 TFLOP/s bf16 dense
  (the datasheets' 1979 is with sparsity), TF32 494; A100 https://www.nvidia.com/en-us/data-center/a100/.
  H100 SXM: 80 GB HBM3 at 3.35 TB/s; H200 SXM: 141 GB HBM3e at 4.8 TB/s; both NVLink 900 GB/s per GPU
  (same pages, "Technical Specifications", SXM columns).
"""

from __future__ import annotations

import dataclasses

# (substring of jax's device_kind, lower-cased) -> {"bfloat16": FLOP/s, "float32": FLOP/s}, first match wins.
# float32 uses the TF32 tensor-core peak on NVIDIA (XLA's default f32 matmul precision there), the
# bf16 MXU peak on TPU (default precision passes f32 matmuls through bf16).
PEAKS = [
    ("h200", {"bfloat16": 989e12, "float32": 494e12}),
    ("h100 pcie", {"bfloat16": 756e12, "float32": 378e12}),
    ("h100", {"bfloat16": 989e12, "float32": 494e12}),  # SXM
    ("a100", {"bfloat16": 312e12, "float32": 156e12}),
    ("tpu v4", {"bfloat16": 275e12, "float32": 275e12}),
    ("tpu v5 lite", {"bfloat16": 197e12, "float32": 197e12}),  # v5e
    ("tpu v5e", {"bfloat16": 197e12, "float32": 197e12}),
    ("tpu v5", {"bfloat16": 459e12, "float32": 459e12}),  # v5p (after "v5 lite")
    ("tpu v6 lite", {"bfloat16": 918e12, "float32": 918e12}),  # v6e
]


def peak_flops(device_kind: str, dtype: str) -> float | None:
    """The peak FLOP/s of `device_kind` for compute `dtype`, or None (e.g. CPU: no honest single figure)."""
    kind = device_kind.lower()
    for key, peaks in PEAKS:
        if key in kind:
            return peaks.get(dtype)
    return None


@dataclasses.dataclass(frozen=True)
class Chip:
    """One accelerator chip as the roofline sees it (bytes and bytes/s; ici_bw None where unpublished)."""

    name: str
    peak_flops: float  # bf16 dense; f32 matmuls run through the same MXU passes at default precision
    hbm_bytes: float
    hbm_bw: float
    ici_bw: float | None  # bidirectional inter-chip bandwidth per chip: optimistic, so times stay lower bounds


GiB = 2**30
CHIPS = {
    "v4": Chip("TPU v4", 275e12, 32 * GiB, 1200e9, None),
    "v5e": Chip("TPU v5e", 197e12, 16 * GiB, 819e9, 400e9),
    "v5p": Chip("TPU v5p", 459e12, 95 * GiB, 2765e9, 1200e9),
    "v6e": Chip("TPU v6e", 918e12, 32e9, 1638e9, 800e9),
}
GPUS = {  # jaxdl bench --target gpu:NAMExN; bytes as the datasheets give them (decimal GB)
    "h100": Chip("NVIDIA H100 SXM", 989e12, 80e9, 3.35e12, 900e9),
    "h200": Chip("NVIDIA H200 SXM", 989e12, 141e9, 4.8e12, 900e9),
}
