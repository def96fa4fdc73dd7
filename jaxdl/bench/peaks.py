"""Peak dense FLOP/s per device kind, for MFU. Vendor datasheet figures, dense (no sparsity)."""

from __future__ import annotations

# (substring of jax's device_kind, lower-cased) -> {"bfloat16": FLOP/s, "float32": FLOP/s}.
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
]


def peak_flops(device_kind: str, dtype: str) -> float | None:
    """The peak FLOP/s of `device_kind` for compute `dtype`, or None (e.g. CPU: no honest single figure)."""
    kind = device_kind.lower()
    for key, peaks in PEAKS:
        if key in kind:
            return peaks.get(dtype)
    return None
