"""A raw zip writer that can lie: any name, method, flag, mode, size, CRC or offset.

``zipfile`` refuses (or silently fixes) most of what an attacker sends, so hostile archives
are assembled here from the format's structs directly.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

UNIX_FILE = 0o100644
UNIX_DIR = 0o040755
UNIX_SYMLINK = 0o120777
UNIX_FIFO = 0o010644


@dataclass
class Member:
    name: str | bytes
    data: bytes = b""
    method: int = 0  # 0 stored, 8 deflate; anything else is written as given
    flags: int = 0x800  # UTF-8 names
    mode: int = UNIX_FILE
    crc: int | None = None  # None: the real CRC
    size: int | None = None  # declared uncompressed size (None: the real one)
    raw: bytes | None = None  # bytes stored for the member (None: computed from method)
    share_with: int | None = None  # reuse another member's local header (overlap)
    local_name: str | bytes | None = None  # name in the local header, if it should differ


def _bytes(name: str | bytes) -> bytes:
    return name.encode("utf-8") if isinstance(name, str) else name


def deflate(data: bytes, level: int = 9) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def build_zip(
    members: list[Member], *, declared_count: int | None = None, prefix: bytes = b""
) -> bytes:
    """Local headers and data, then the central directory and end record(s)."""
    out = bytearray(prefix)
    central = bytearray()
    offsets: list[int] = []
    for member in members:
        name = _bytes(member.name)
        if member.raw is not None:
            raw = member.raw
        elif member.method == 8:
            raw = deflate(member.data)
        else:
            raw = member.data
        crc = zlib.crc32(member.data) if member.crc is None else member.crc
        size = len(member.data) if member.size is None else member.size
        if member.share_with is not None:
            offset = offsets[member.share_with]
        else:
            offset = len(out)
            local = _bytes(member.local_name) if member.local_name is not None else name
            out += struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                20,
                member.flags,
                member.method,
                0,
                0x21,
                crc,
                len(raw),
                size,
                len(local),
                0,
            )
            out += local + raw
        offsets.append(offset)
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            (3 << 8) | 20,
            20,
            member.flags,
            member.method,
            0,
            0x21,
            crc,
            len(raw),
            size,
            len(name),
            0,
            0,
            0,
            0,
            (member.mode << 16) & 0xFFFFFFFF,
            offset,
        )
        central += name
    return bytes(out) + finish(bytes(central), len(out), declared_count or len(members))


def finish(central: bytes, cd_offset: int, count: int) -> bytes:
    """Central directory plus end records (zip64 when the count needs it)."""
    tail = bytearray(central)
    if count > 0xFFFE:
        record_at = cd_offset + len(central)
        tail += struct.pack(
            "<4sQHHIIQQQQ",
            b"PK\x06\x06",
            44,
            (3 << 8) | 45,
            45,
            0,
            0,
            count,
            count,
            len(central),
            cd_offset,
        )
        tail += struct.pack("<4sIQI", b"PK\x06\x07", 0, record_at, 1)
        tail += struct.pack(
            "<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0
        )
    else:
        tail += struct.pack(
            "<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), cd_offset, 0
        )
    return bytes(tail)


def million_entry_zip(entries: int = 1_000_000, declared: int | None = None) -> bytes:
    """One tiny member and a central directory of ``entries`` records all pointing at it."""
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, 1, 0) + b"a"
    records = []
    for index in range(entries):
        name = b"%d" % index
        records.append(
            struct.pack(
                "<4sHHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                (3 << 8) | 20,
                20,
                0,
                0,
                0,
                0x21,
                0,
                0,
                0,
                len(name),
                0,
                0,
                0,
                0,
                UNIX_FILE << 16,
                0,
            )
            + name
        )
    central = b"".join(records)
    return local + finish(central, len(local), declared if declared is not None else entries)


def good_members(bundle_yaml: bytes, extra: dict[str, bytes] | None = None) -> list[Member]:
    members = [Member("bundle.yaml", bundle_yaml, method=8)]
    for name, data in (extra or {}).items():
        members.append(Member(name, data, method=8))
    return members
