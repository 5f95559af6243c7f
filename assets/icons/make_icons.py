"""Draw the app icon with QPainter and write it as PNGs, a Windows .ico and a macOS .icns.

Run from the repository root (no display needed):

    QT_QPA_PLATFORM=offscreen .venv/bin/python assets/icons/make_icons.py

The .ico and .icns containers are written here with `struct` (PNG payloads), because
Qt's ICO writer stores a single size and Qt has no ICNS writer. Qt's own image plugins
read both files back, which `--check` does.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QImageReader,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

HERE = Path(__file__).resolve().parent
BASENAME = "embassy-crisis-atlas"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: ICNS element types that take PNG data (macOS 10.7+), with their pixel sizes.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def draw(size: int) -> QImage:
    """The icon at `size` px: a map tile with two rivers, a marker and a timeline bar."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 100.0, size / 100.0)  # draw on a 100 x 100 canvas

    # Tile: rounded square, sand-coloured land with a soft gradient and a dark rim.
    tile = QRectF(4, 4, 92, 92)
    land = QLinearGradient(0, 4, 0, 96)
    land.setColorAt(0.0, QColor("#f4ecda"))
    land.setColorAt(1.0, QColor("#e0d2b2"))
    p.setPen(QPen(QColor("#3b4a5a"), 3.0))
    p.setBrush(QBrush(land))
    p.drawRoundedRect(tile, 18, 18)

    # Two rivers meeting (Tigris and Euphrates, loosely).
    p.save()
    clip = QPainterPath()
    clip.addRoundedRect(tile.adjusted(1.5, 1.5, -1.5, -1.5), 17, 17)
    p.setClipPath(clip)
    river = QPen(QColor("#4f8fc9"), 4.5 if size >= 32 else 6.0)
    river.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(river)
    p.setBrush(Qt.BrushStyle.NoBrush)
    tigris = QPainterPath(QPointF(30, 2))
    tigris.cubicTo(QPointF(44, 22), QPointF(36, 44), QPointF(58, 60))
    tigris.cubicTo(QPointF(70, 68), QPointF(76, 70), QPointF(100, 74))
    euphrates = QPainterPath(QPointF(0, 30))
    euphrates.cubicTo(QPointF(22, 38), QPointF(30, 58), QPointF(58, 60))
    p.drawPath(tigris)
    p.drawPath(euphrates)
    p.restore()

    # Timeline bar along the bottom with a playhead.
    if size >= 24:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#3b4a5a"))
        p.drawRoundedRect(QRectF(14, 80, 72, 6), 3, 3)
        p.setBrush(QColor("#d9534f"))
        p.drawRoundedRect(QRectF(14, 80, 40, 6), 3, 3)
        p.setBrush(QColor("#ffffff"))
        p.setPen(QPen(QColor("#3b4a5a"), 2.0))
        p.drawEllipse(QPointF(54, 83), 5.5, 5.5)

    # Map marker (teardrop) over the confluence.
    pin = QPainterPath()
    cx, top, r = 52.0, 12.0, 17.0
    pin.moveTo(cx, 70)
    pin.cubicTo(QPointF(cx - 8, 56), QPointF(cx - r, 46), QPointF(cx - r, top + r))
    pin.arcTo(QRectF(cx - r, top, 2 * r, 2 * r), 180, -180)
    pin.cubicTo(QPointF(cx + r, 46), QPointF(cx + 8, 56), QPointF(cx, 70))
    pin.closeSubpath()
    p.setPen(QPen(QColor("#7a1f1c"), 2.5))
    p.setBrush(QColor("#d9534f"))
    p.drawPath(pin)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#ffffff"))
    p.drawEllipse(QPointF(cx, top + r), 6.5, 6.5)
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("PNG encoding failed")
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An ICO file whose entries are PNG images (Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, payload = b"", b""
    for size, data in sorted(images.items()):
        dim = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        payload += data
    return header + entries + payload


def icns_bytes(images: dict[int, bytes]) -> bytes:
    body = b"".join(
        kind + struct.pack(">I", 8 + len(images[px])) + images[px] for kind, px in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def check() -> int:
    """Read the written files back through Qt's image plugins."""
    failures = 0
    for name in (f"{BASENAME}.ico", f"{BASENAME}.icns", f"{BASENAME}.png"):
        reader = QImageReader(str(HERE / name))
        sizes = []
        for _ in range(max(reader.imageCount(), 1)):
            image = reader.read()
            if image.isNull():
                break
            sizes.append(image.width())
            if not reader.jumpToNextImage():
                break
        ok = bool(sizes)
        failures += not ok
        print(f"{name}: {'ok' if ok else 'UNREADABLE ' + reader.errorString()} sizes={sizes}")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    _app = QGuiApplication.instance() or QGuiApplication(["make_icons"])
    if "--check" in argv:
        return check()
    pngs = {size: png_bytes(draw(size)) for size in PNG_SIZES}
    for size, data in pngs.items():
        (HERE / f"{BASENAME}-{size}.png").write_bytes(data)
    (HERE / f"{BASENAME}.png").write_bytes(pngs[256])
    (HERE / f"{BASENAME}.ico").write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    (HERE / f"{BASENAME}.icns").write_bytes(icns_bytes(pngs))
    print(f"wrote {len(pngs) + 3} files to {HERE}")
    return check()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
