"""Rebuild Qt's libicudata without the ICU data Qt never reads (used by build_app.spec).

libicudata.so.NN is one exported symbol, `icudtNN_dat`: an ICU "common data" package (a
header, a table of contents of named items, the items). Qt 6 calls ICU for collation
(QCollator), time-zone names (QTimeZone), legacy text codecs (QStringConverter) and
locale-aware case mapping, nothing else (`nm -D --undefined-only libQt6*.so.6`: ucol_*,
ucal_*, ucnv_*, u_strTo{Upper,Lower}). Chromium carries its own ICU and its own data
(icudtl.dat). The item trees no ICU function reachable from those calls opens (break
iteration, units, currencies, language/region display names, transliteration, spelled-out
numbers, character names, the spoof checker) are dropped, and so are the legacy codec tables
(the app makes no QStringDecoder for them); every kept item is copied byte
for byte, in the original (sorted) order, so lookups behave as before. About 15 MB of 31.

Linux only; needs binutils (nm, as, ld: scripts/setup.sh installs them for strip anyway).
Standard library only, so tests/test_packaging.py can exercise it without PyInstaller.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

#: Items left out, as fnmatch patterns on the item name without its "icudtNNl/" prefix.
DROPPED_ITEMS = (
    "brkitr/*",  # word/line/sentence break rules and dictionaries: Qt has its own
    "unit/*",  # unit names ("3 kilometres"): MeasureFormat
    "curr/*",  # currency names and symbols: only currency formatting reads them
    "lang/*",  # language display names (uloc_getDisplayLanguage): Qt has its own CLDR data
    "region/*",  # region display names (uloc_getDisplayCountry): the same
    "translit/*",  # transliterators (utrans_*)
    "rbnf/*",  # spelled-out numbers (RuleBasedNumberFormat)
    "unames.icu",  # Unicode character names (u_charName)
    "confusables.cfu",  # the spoof checker (uspoof_*)
    # Legacy codec tables (Shift_JIS, GB18030, KOI8-R, windows-125x, ...; 4.9 MB) and their
    # alias table: only QStringDecoder/QStringEncoder with such a name reads them, and the
    # app never makes one (its files are UTF-8, decoded by Python; the page is decoded by
    # Chromium's own ICU). Qt then lists only the codecs it implements itself (UTF-8/16/32,
    # Latin-1), and a decoder asked for a legacy codec is invalid.
    "*.cnv",
    "cnvalias.icu",
)

_ALIGN = 16  # ICU's packager aligns every item to 16 bytes,
_PAD = b"\xaa"  # and pads with 0xAA


def parse(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(package header, [(item name, item bytes)]) of an ICU common data package."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    if (magic1, magic2) != (0xDA, 0x27):
        raise ValueError("not ICU data (bad magic)")
    _info_size, _reserved, big_endian, charset_family = struct.unpack_from("<HHBB", blob, 4)
    if big_endian or charset_family:
        raise ValueError("only little-endian ASCII ICU data is handled")
    if blob[12:16] != b"CmnD" or blob[16] != 1:
        raise ValueError(f"not an ICU common data package (format {blob[12:16]!r})")
    toc = header_size
    (count,) = struct.unpack_from("<I", blob, toc)
    entries = [struct.unpack_from("<II", blob, toc + 4 + 8 * i) for i in range(count)]
    starts = [toc + data for _name, data in entries] + [len(blob)]
    items = []
    for i, (name_offset, _data) in enumerate(entries):
        end = blob.index(b"\0", toc + name_offset)
        name = blob[toc + name_offset : end].decode("ascii")
        items.append((name, blob[starts[i] : starts[i + 1]]))
    return blob[:header_size], items


def pack(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """An ICU common data package of `items` (already sorted by name), after `header`."""
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    toc_size = 4 + 8 * len(items)
    offset = toc_size + len(names)
    offset += -offset % _ALIGN
    body, entries, name_offset = bytearray(), [], toc_size
    for name, data in items:
        entries.append((name_offset, offset + len(body)))
        name_offset += len(name) + 1
        body += data
        body += _PAD * (-len(body) % _ALIGN)
    toc = struct.pack("<I", len(items)) + b"".join(struct.pack("<II", *e) for e in entries)
    names += _PAD * (offset - toc_size - len(names))
    return header + toc + names + bytes(body)


def dropped(name: str) -> bool:
    """True for an item (full name, "icudt73l/curr/de.res") that the trim leaves out."""
    rel = name.split("/", 1)[-1]
    return any(fnmatch.fnmatchcase(rel, pattern) for pattern in DROPPED_ITEMS)


def trim(blob: bytes) -> bytes:
    header, items = parse(blob)
    return pack(header, [(name, data) for name, data in items if not dropped(name)])


def _data_symbol(library: Path) -> tuple[str, int, int]:
    """(name, file offset, size) of the icudtNN_dat symbol in `library`."""
    command = ["nm", "-D", "-S", "--defined-only", str(library)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and re.fullmatch(r"icudt\d+_dat", parts[3]):
            address, size = int(parts[0], 16), int(parts[1], 16)
            return parts[3], _file_offset(library.read_bytes(), address, size), size
    raise ValueError(f"{library}: no icudtNN_dat symbol")


def _file_offset(elf: bytes, address: int, size: int) -> int:
    """Where the `size` bytes loaded at virtual `address` sit in the 64-bit ELF file `elf`."""
    if elf[:5] != b"\x7fELF\x02":
        raise ValueError("not a 64-bit ELF file")
    (phoff,) = struct.unpack_from("<Q", elf, 0x20)
    entsize, count = struct.unpack_from("<HH", elf, 0x36)
    for i in range(count):
        kind, _flags, offset, vaddr, _paddr, filesz = struct.unpack_from(
            "<IIQQQQ", elf, phoff + i * entsize
        )
        if kind == 1 and vaddr <= address and address + size <= vaddr + filesz:  # PT_LOAD
            return address - vaddr + offset
    raise ValueError(f"address {address:#x} is in no loaded segment")


def rebuild_library(source: Path, target: Path) -> tuple[int, int]:
    """Write a trimmed copy of libicudata `source` to `target`: (old size, new size) of the data.

    Raises if a tool is missing or the library is not what is expected; the caller then
    keeps the original.
    """
    assembler, linker = shutil.which("as"), shutil.which("ld")
    if assembler is None or linker is None:
        raise RuntimeError("binutils (as, ld) missing: cannot link the trimmed library")
    symbol, offset, size = _data_symbol(source)
    blob = source.read_bytes()[offset : offset + size]
    trimmed = trim(blob)
    with tempfile.TemporaryDirectory() as tmp:
        dat = Path(tmp, "icudt.dat")
        dat.write_bytes(trimmed)
        asm = Path(tmp, "icudt.S")
        asm.write_text(
            "\t.section .rodata\n"
            f"\t.globl {symbol}\n"
            f"\t.type {symbol}, @object\n"
            "\t.balign 16\n"
            f"{symbol}:\n"
            f'\t.incbin "{dat}"\n'
            f"\t.size {symbol}, . - {symbol}\n"
            '\t.section .note.GNU-stack,"",@progbits\n'
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        obj = Path(tmp, "icudt.o")
        subprocess.run([assembler, "-o", str(obj), str(asm)], check=True)
        subprocess.run(
            [linker, "-shared", "-s", "-soname", source.name, "-z", "noexecstack",
             "--hash-style=gnu", "-o", str(target), str(obj)],
            check=True,
        )  # fmt: skip
    # The new library must carry exactly the trimmed package under the same symbol.
    symbol2, offset2, size2 = _data_symbol(target)
    if symbol2 != symbol or target.read_bytes()[offset2 : offset2 + size2] != trimmed:
        raise RuntimeError(f"{target}: the linked library does not hold the trimmed data")
    return size, len(trimmed)
