"""Lossless, compact storage of float64 sample arrays.

Each array is stored as its IEEE-754 bit patterns (little-endian), each
XOR-ed with the previous sample's, the eight byte planes grouped together and
the result deflated. Neighbouring samples share sign, exponent and leading
mantissa bits, so the XOR leaves long runs of zero bytes that zlib removes;
a uniform time axis shrinks ~10x, a noisy 24-bit force channel ~2-3x. The
transform works on bit patterns only, so every value (-0.0, NaN payloads,
subnormals) comes back bit for bit.
"""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

from nkt_dyno.store._errors import StoreError

CODEC = "f64le-xor-planes-zlib"
"""Name stored beside each trace, so a later codec can be told apart."""

_LEVEL = 6


def encode(values: npt.ArrayLike) -> bytes:
    """Compress a 1-D float64 array; :func:`decode` returns it bit-exactly."""
    bits = np.ascontiguousarray(values, dtype="<f8").reshape(-1).view("<u8")
    xored = bits.copy()
    xored[1:] ^= bits[:-1]
    planes = xored.view(np.uint8).reshape(-1, 8).T
    return zlib.compress(planes.tobytes(), _LEVEL)


def decode(blob: bytes, n: int) -> npt.NDArray[np.float64]:
    """Inverse of :func:`encode` for an array of ``n`` samples."""
    raw = zlib.decompress(blob)
    if len(raw) != 8 * n:
        raise StoreError(f"stored trace is damaged: {len(raw)} bytes for {n} samples")
    planes = np.frombuffer(raw, dtype=np.uint8).reshape(8, n)
    xored = np.ascontiguousarray(planes.T).view("<u8").reshape(-1)
    bits = np.bitwise_xor.accumulate(xored) if n else xored
    return bits.view("<f8").astype(np.float64)
