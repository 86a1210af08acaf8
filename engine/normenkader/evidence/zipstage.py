"""Stage a .zip bundle without ``extractall`` and without trusting ``zipfile``.

The central directory is parsed here, entry by entry, and bounded before any member is
read: entry count (also when the end record lies about it), names, entry types, declared
sizes and ratios, duplicates and case/NFC collisions, compression method and encryption.
Local headers must agree with the central directory and members may not overlap (two
entries sharing bytes is how zip "hard links" and quine bombs work). Each member is then
read once, inflated with a bounded output, checked against its declared size and CRC-32,
hashed while it is copied into staging, and never read again.

Only stored (0) and deflate (8) members are accepted; single-disk archives only.
"""

from __future__ import annotations

import os
import stat
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from .ingest import (
    CHUNK,
    MEMORY_FILE_BYTES,
    MEMORY_TOTAL_BYTES,
    RATIO_FLOOR,
    Budget,
    FileRecord,
    Limits,
    NameRegistry,
    check_path,
    copy_hashed,
    create_private,
    hash_chunks,
    printable,
)

_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD64_LOCATOR = struct.Struct("<4sIQI")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_MAX_COMMENT = 0xFFFF
_UNIX = 3
_METHODS = {0: "stored", 8: "deflate"}


@dataclass
class Entry:
    name: str
    raw_name: bytes
    is_dir: bool
    method: int
    flags: int
    crc: int
    compressed: int
    size: int
    offset: int
    data_start: int = 0


def stage_zip(
    source: Path, staging: Path, limits: Limits, pending: dict[str, bytes] | None = None
) -> dict[str, FileRecord]:
    """Copy every member of the zip at ``source`` into ``staging``; return the records.

    With ``pending`` given, small members (as for folders: ``MEMORY_FILE_BYTES`` each, up
    to ``MEMORY_TOTAL_BYTES``) are kept there in memory instead of written; a member's
    inflated bytes never exceed its declared size, so the bound holds for hostile zips."""
    display = str(source)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(source, flags)
    except OSError as exc:
        raise InputError("BUNDLE_UNREADABLE", exc.strerror or "cannot open", display) from None
    with os.fdopen(fd, "rb", buffering=0) as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError("SPECIAL_FILE", "not a regular file", display)
        entries, cd_offset = scan(handle, info.st_size, limits, display)
        _locate_data(handle, entries, cd_offset, display)
        budget = Budget(limits)
        files: dict[str, FileRecord] = {}
        in_memory = 0
        for entry in entries:
            if entry.is_dir:
                continue
            where = f"{display}!{printable(entry.name)}"
            budget.count_file(where)
            chunks = _member_chunks(handle, entry, where)
            if (
                pending is not None
                and entry.size <= MEMORY_FILE_BYTES
                and in_memory + entry.size <= MEMORY_TOTAL_BYTES
            ):
                kept: list[bytes] = []
                files[entry.name] = hash_chunks(chunks, kept, budget, limits.max_file_bytes, where)
                pending[entry.name] = b"".join(kept)
                in_memory += entry.size
                continue
            out = create_private(staging, entry.name.split("/"))
            try:
                files[entry.name] = copy_hashed(chunks, out, budget, limits.max_file_bytes, where)
            finally:
                os.close(out)
    return files


def _read_exact(handle: BinaryIO, offset: int, size: int, display: str) -> bytes:
    handle.seek(offset)
    data = b""
    while len(data) < size:
        chunk = handle.read(size - len(data))
        if not chunk:
            raise InputError("ZIP_CORRUPT", "archive ends early", display)
        data += chunk
    return data


def _end_record(handle: BinaryIO, file_size: int, display: str) -> tuple[int, int, int]:
    """(entry count, central directory offset, central directory size)."""
    if file_size < _EOCD.size:
        raise InputError("ZIP_CORRUPT", "too small to be a zip archive", display)
    tail_size = min(file_size, _EOCD.size + _MAX_COMMENT)
    tail = _read_exact(handle, file_size - tail_size, tail_size, display)
    position = -1
    index = tail.rfind(b"PK\x05\x06")
    while index >= 0:
        comment = struct.unpack_from("<H", tail, index + 20)[0] if index + 22 <= len(tail) else -1
        if index + _EOCD.size + comment == len(tail):
            position = index
            break
        index = tail.rfind(b"PK\x05\x06", 0, index)
    if position < 0:
        head = _read_exact(handle, 0, min(4, file_size), display)
        if head[:2] != b"PK":
            raise InputError("BUNDLE_FORMAT", "neither a bundle folder nor a .zip archive", display)
        raise InputError("ZIP_CORRUPT", "no end of central directory record", display)
    eocd_at = file_size - tail_size + position
    _sig, disk, cd_disk, on_disk, total, cd_size, cd_offset, _comment = _EOCD.unpack_from(
        tail, position
    )
    if disk != 0 or cd_disk != 0 or on_disk != total:
        raise InputError("ZIP_UNSUPPORTED", "multi-disk archives are not supported", display)
    end = eocd_at
    if 0xFFFF in (total, on_disk) or 0xFFFFFFFF in (cd_size, cd_offset):
        if eocd_at < _EOCD64_LOCATOR.size:
            raise InputError("ZIP_CORRUPT", "zip64 locator missing", display)
        locator = _read_exact(handle, eocd_at - _EOCD64_LOCATOR.size, _EOCD64_LOCATOR.size, display)
        sig, _disk, record_at, disks = _EOCD64_LOCATOR.unpack(locator)
        if sig != b"PK\x06\x07" or disks > 1 or record_at + _EOCD64.size > eocd_at:
            raise InputError("ZIP_CORRUPT", "bad zip64 locator", display)
        record = _read_exact(handle, record_at, _EOCD64.size, display)
        fields = _EOCD64.unpack(record)
        if fields[0] != b"PK\x06\x06" or fields[4] != 0 or fields[5] != 0 or fields[6] != fields[7]:
            raise InputError("ZIP_CORRUPT", "bad zip64 end record", display)
        total, cd_size, cd_offset = fields[7], fields[8], fields[9]
        end = record_at
    if cd_offset + cd_size != end:
        raise InputError(
            "ZIP_CORRUPT",
            "central directory is not where the end record says (prefixed data?)",
            display,
        )
    return total, cd_offset, cd_size


def scan(handle: BinaryIO, file_size: int, limits: Limits, display: str) -> tuple[list[Entry], int]:
    """Parse and bound the central directory; nothing is decompressed here."""
    total, cd_offset, cd_size = _end_record(handle, file_size, display)
    max_entries = 2 * limits.max_files  # folder entries included
    if total > max_entries:
        raise InputError(
            "TOO_MANY_FILES", f"{total} entries (limit {limits.max_files} files)", display
        )
    # a name is at most max_path_length bytes; allow 1 KiB of extra fields and comment
    if cd_size > max_entries * (_CENTRAL.size + limits.max_path_length + 1 + 1024):
        raise InputError(
            "TOO_MANY_FILES", f"central directory of {cd_size} bytes is too large", display
        )
    directory = _read_exact(handle, cd_offset, cd_size, display)
    entries: list[Entry] = []
    names = NameRegistry(f"{display}!")
    declared_total = 0
    position = 0
    while position < len(directory):
        if len(entries) >= max_entries:
            raise InputError("TOO_MANY_FILES", f"more than {max_entries} entries", display)
        if position + _CENTRAL.size > len(directory):
            raise InputError("ZIP_CORRUPT", "truncated central directory", display)
        fields = _CENTRAL.unpack_from(directory, position)
        (
            sig,
            made_by,
            _needed,
            flags,
            method,
            _t,
            _d,
            crc,
            compressed,
            size,
            name_len,
            extra_len,
            comment_len,
            disk,
            _internal,
            external,
            offset,
        ) = fields
        if sig != b"PK\x01\x02":
            raise InputError("ZIP_CORRUPT", "bad central directory entry", display)
        start = position + _CENTRAL.size
        position = start + name_len + extra_len + comment_len
        if position > len(directory):
            raise InputError("ZIP_CORRUPT", "truncated central directory", display)
        raw_name = directory[start : start + name_len]
        extra = directory[start + name_len : start + name_len + extra_len]
        size, compressed, offset, disk = _zip64(extra, size, compressed, offset, disk, display)
        entry = _entry(
            raw_name,
            made_by,
            flags,
            method,
            crc,
            compressed,
            size,
            offset,
            external,
            disk,
            limits,
            display,
        )
        names.add(entry.name, "dir" if entry.is_dir else "file")
        declared_total += entry.size
        if declared_total > limits.max_total_bytes:
            raise InputError(
                "BUNDLE_TOO_LARGE", f"declared sizes exceed {limits.max_total_bytes} bytes", display
            )
        entries.append(entry)
    if declared_total > RATIO_FLOOR and declared_total > file_size * limits.max_ratio:
        raise InputError(
            "RATIO_EXCEEDED",
            f"the archive inflates to {declared_total // max(file_size, 1)} times its size"
            f" (limit {limits.max_ratio}:1)",
            display,
        )
    if len(entries) != total:
        raise InputError(
            "ZIP_CORRUPT",
            f"end record declares {total} entries, directory holds {len(entries)}",
            display,
        )
    return entries, cd_offset


def _zip64(
    extra: bytes, size: int, compressed: int, offset: int, disk: int, display: str
) -> tuple[int, int, int, int]:
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, position)
        body = extra[position + 4 : position + 4 + length]
        position += 4 + length
        if tag != 0x0001:
            continue
        values = []
        cursor = 0
        for wanted in (size == 0xFFFFFFFF, compressed == 0xFFFFFFFF, offset == 0xFFFFFFFF):
            if wanted:
                if cursor + 8 > len(body):
                    raise InputError("ZIP_CORRUPT", "short zip64 extra field", display)
                values.append(struct.unpack_from("<Q", body, cursor)[0])
                cursor += 8
            else:
                values.append(None)
        size = values[0] if values[0] is not None else size
        compressed = values[1] if values[1] is not None else compressed
        offset = values[2] if values[2] is not None else offset
    return size, compressed, offset, disk


def _entry(
    raw_name: bytes,
    made_by: int,
    flags: int,
    method: int,
    crc: int,
    compressed: int,
    size: int,
    offset: int,
    external: int,
    disk: int,
    limits: Limits,
    display: str,
) -> Entry:
    try:
        name = raw_name.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            "NAME_ENCODING", "entry name is not valid UTF-8", f"{display}!{raw_name!r}"
        ) from None
    where = f"{display}!{printable(name)}"
    if flags & 0x1 or flags & 0x40 or method == 99:
        raise InputError("ZIP_ENCRYPTED", "encrypted entries are not accepted", where)
    is_dir = name.endswith("/")
    mode = external >> 16 if made_by >> 8 == _UNIX else 0
    if stat.S_ISLNK(mode):
        raise InputError("SYMLINK", "symbolic link entry", where)
    if mode and (
        stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
    ):
        raise InputError("SPECIAL_FILE", "FIFO, socket or device entry", where)
    if mode and stat.S_ISDIR(mode) != is_dir and stat.S_IFMT(mode) != 0:
        raise InputError("PATH_CONFLICT", "entry type disagrees with its name", where)
    path = name[:-1] if is_dir else name
    check_path(path, limits, where)
    if disk != 0:
        raise InputError("ZIP_UNSUPPORTED", "multi-disk archives are not supported", where)
    if method not in _METHODS:
        raise InputError(
            "ZIP_UNSUPPORTED_METHOD",
            f"compression method {method} (only stored and deflate)",
            where,
        )
    if is_dir:
        if size or compressed:
            raise InputError("ZIP_CORRUPT", "folder entry with content", where)
    elif size > limits.max_file_bytes:
        raise InputError(
            "FILE_TOO_LARGE", f"declares {size} bytes (limit {limits.max_file_bytes})", where
        )
    if method == 0 and size != compressed:
        raise InputError("ZIP_CORRUPT", "stored entry with different sizes", where)
    if size > RATIO_FLOOR and size > compressed * limits.max_ratio:
        ratio = size // max(compressed, 1)
        raise InputError(
            "RATIO_EXCEEDED",
            f"compression ratio {ratio}:1 over the limit {limits.max_ratio}:1",
            where,
        )
    return Entry(path, raw_name, is_dir, method, flags, crc, compressed, size, offset)


def _locate_data(handle: BinaryIO, entries: list[Entry], cd_offset: int, display: str) -> None:
    """Read local headers, check them against the directory, and reject overlaps."""
    entries.sort(key=lambda e: e.offset)
    previous_end = 0
    previous_name = ""
    for entry in entries:
        where = f"{display}!{printable(entry.name)}"
        if entry.offset < previous_end:
            raise InputError("ZIP_OVERLAP", f"entry overlaps {printable(previous_name)!r}", where)
        if entry.offset + _LOCAL.size > cd_offset:
            raise InputError("ZIP_CORRUPT", "local header outside the archive data", where)
        header = _read_exact(handle, entry.offset, _LOCAL.size, where)
        sig, _needed, flags, method, _t, _d, crc, compressed, size, name_len, extra_len = (
            _LOCAL.unpack(header)
        )
        if sig != b"PK\x03\x04":
            raise InputError("ZIP_CORRUPT", "bad local header", where)
        local_name = _read_exact(handle, entry.offset + _LOCAL.size, name_len, where)
        if local_name != entry.raw_name:
            raise InputError("ZIP_CORRUPT", "local header name differs from the directory", where)
        if method != entry.method or (flags & 0x41) != (entry.flags & 0x41):
            raise InputError("ZIP_CORRUPT", "local header differs from the directory", where)
        if not flags & 0x08:  # without a data descriptor the local header states the sizes
            if 0xFFFFFFFF in (size, compressed):
                extra = _read_exact(handle, entry.offset + _LOCAL.size + name_len, extra_len, where)
                size, compressed = _local_zip64(extra, size, compressed, where)
            if (crc, compressed, size) != (entry.crc, entry.compressed, entry.size):
                raise InputError(
                    "ZIP_CORRUPT", "local header sizes or checksum differ from the directory", where
                )
        entry.data_start = entry.offset + _LOCAL.size + name_len + extra_len
        previous_end = entry.data_start + entry.compressed
        previous_name = entry.name
        if previous_end > cd_offset:
            raise InputError("ZIP_OVERLAP", "entry data runs into the central directory", where)


def _local_zip64(extra: bytes, size: int, compressed: int, where: str) -> tuple[int, int]:
    """Sizes from a local header's zip64 extra field, which holds both (APPNOTE 4.5.3)."""
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, position)
        if tag == 0x0001:
            if length < 16 or position + 4 + 16 > len(extra):
                raise InputError("ZIP_CORRUPT", "short zip64 extra field in a local header", where)
            return struct.unpack_from("<QQ", extra, position + 4)
        position += 4 + length
    raise InputError("ZIP_CORRUPT", "local header lacks its zip64 sizes", where)


def _member_chunks(handle: BinaryIO, entry: Entry, where: str) -> Iterator[bytes]:
    """The member's bytes, read once; inflated output bounded by the declared size."""
    handle.seek(entry.data_start)
    remaining = entry.compressed
    produced = 0
    crc = 0
    inflater = zlib.decompressobj(-15) if entry.method == 8 else None
    try:
        while remaining:
            raw = handle.read(min(CHUNK, remaining))
            if not raw:
                raise InputError("ZIP_CORRUPT", "archive ends inside an entry", where)
            remaining -= len(raw)
            if inflater is None:
                outputs: Iterator[bytes] = iter((raw,))
            else:
                outputs = _inflate(inflater, raw)
            for out in outputs:
                produced += len(out)
                if produced > entry.size:
                    raise InputError("ZIP_CORRUPT", "entry inflates past its declared size", where)
                crc = zlib.crc32(out, crc)
                yield out
        if inflater is not None:
            tail = inflater.flush()
            produced += len(tail)
            if produced > entry.size:
                raise InputError("ZIP_CORRUPT", "entry inflates past its declared size", where)
            crc = zlib.crc32(tail, crc)
            if tail:
                yield tail
            if not inflater.eof or inflater.unused_data:
                raise InputError(
                    "ZIP_CORRUPT", "deflate stream is incomplete or has trailing data", where
                )
    except zlib.error as exc:
        raise InputError("ZIP_CORRUPT", f"deflate error: {exc}", where) from None
    if produced != entry.size:
        raise InputError(
            "ZIP_CORRUPT", f"entry holds {produced} bytes, declares {entry.size}", where
        )
    if crc != entry.crc:
        raise InputError("ZIP_CORRUPT", "CRC-32 mismatch", where)


def _inflate(inflater: zlib._Decompress, raw: bytes) -> Iterator[bytes]:
    data = raw
    while data:
        out = inflater.decompress(data, CHUNK)
        if out:
            yield out
        data = inflater.unconsumed_tail
        if inflater.eof:
            break
