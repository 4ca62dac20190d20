"""Masked CRC-32C, the checksum of TFRecord framing (``masked_crc32c``).

TFRecord stores ``mask(crc32c(x))`` rather than the raw CRC because computing
the CRC of a string that itself contains embedded CRCs is problematic; the
mask is a rotation plus a constant (``tensorflow/core/lib/hash/crc32c.h``).

Example:
    >>> hex(masked_crc32c(b"123456789"))
    '0xc78ab0e5'
"""

from crc32c import crc32c  # the C implementation: TFRecord reading is CRC-bound

MASK_DELTA = 0xA282EAD8


def mask(crc):
    """Rotates ``crc`` right by 15 bits and adds ``MASK_DELTA`` (mod 2**32)."""
    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF


def unmask(masked):
    """Inverts :func:`mask`."""
    rot = (masked - MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def masked_crc32c(data):
    """The masked CRC-32C (Castagnoli) of ``data``, as stored in TFRecord files."""
    return mask(crc32c(data))
