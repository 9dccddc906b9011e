"""Photos of a case (现场照片): what is accepted, and what is stripped before anyone else sees it.

A phone's photo carries where and when it was taken and by which device (EXIF, XMP, text
chunks). A case's photos are seen by the review group and the handling unit, so everything but
the picture itself is removed on upload: JPEG keeps only its image segments (and the JFIF
header), PNG only the chunks needed to draw it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

JPEG = "image/jpeg"
PNG = "image/png"
TYPES = (JPEG, PNG)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEPT = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP"}
_JPEG_APP0 = 0xE0
_JPEG_COMMENT = 0xFE
_JPEG_START_OF_SCAN = 0xDA
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


class PhotoRefused(ValueError):
    """A photo that is not accepted; the message says why in Chinese and English."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Photo:
    """A stored photo of a case, without its bytes."""

    id: str
    proposal_id: str
    uploaded_by: str
    uploaded_at: datetime
    content_type: str
    size: int
    caption: str | None


def kind_of(data: bytes) -> str | None:
    """The image type by its first bytes (the Content-Type header is not trusted)."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    return None


def cleaned(data: bytes, *, max_bytes: int) -> tuple[bytes, str]:
    """The photo without metadata, and its type; PhotoRefused if too big, not an image or broken."""
    if not data:
        raise PhotoRefused(422, "照片为空 (empty photo)")
    if len(data) > max_bytes:
        raise PhotoRefused(
            413,
            f"照片不能超过 {max_bytes // 1024} KB (photo is {len(data)} bytes; limit {max_bytes})",
        )
    kind = kind_of(data)
    if kind is None:
        raise PhotoRefused(415, "只接受 JPEG 或 PNG 照片 (only JPEG or PNG photos)")
    try:
        return (_jpeg_without_metadata(data) if kind == JPEG else _png_without_metadata(data)), kind
    except (IndexError, struct.error, ValueError) as exc:
        raise PhotoRefused(422, f"照片文件已损坏 (broken {kind} file: {exc})") from exc


def _jpeg_without_metadata(data: bytes) -> bytes:
    out = bytearray(data[:2])
    at = 2
    while at < len(data):
        if data[at] != 0xFF:
            raise ValueError(f"no marker at byte {at}")
        marker = data[at + 1]
        if marker == 0xFF:
            at += 1
            continue
        if marker in _JPEG_STANDALONE:
            out += data[at : at + 2]
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if length < 2 or at + 2 + length > len(data):
            raise ValueError(f"segment at byte {at} runs past the end")
        if marker == _JPEG_START_OF_SCAN:
            return bytes(out + data[at:])
        metadata = (0xE1 <= marker <= 0xEF) or marker == _JPEG_COMMENT
        if not metadata or marker == _JPEG_APP0:
            out += data[at : at + 2 + length]
        at += 2 + length
    raise ValueError("no image data (SOS)")


def _png_without_metadata(data: bytes) -> bytes:
    out = bytearray(_PNG_SIGNATURE)
    at = len(_PNG_SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunk_type = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data):
            raise ValueError(f"chunk {chunk_type!r} runs past the end")
        if chunk_type in _PNG_KEPT:
            out += data[at:end]
        at = end
        if chunk_type == b"IEND":
            return bytes(out)
    raise ValueError("no IEND chunk")
