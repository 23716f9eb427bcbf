"""Make the Windows .ico or macOS .icns of CFT Desktop from packaging/cft-desktop.svg at build time.

    python packaging/make_icon.py ico|icns OUT_DIR      (prints the path it wrote)

Generated rather than committed, so the SVG stays the one source of the icon. Qt (from the build venv,
PySide6's QtSvg) draws the SVG; Pillow (there already for fpdf2) writes the multi-size container.
The spec calls make_icon(), which runs this file in a child process so that no Qt application object
is ever created inside PyInstaller itself.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

# Windows picks from these for the taskbar, Start menu and Explorer; macOS's iconset tops out at 1024.
SIZES = {"ico": [16, 24, 32, 48, 64, 128, 256], "icns": [16, 32, 64, 128, 256, 512, 1024]}


def make_icon(svg: Path, out_dir: Path, kind: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, __file__, kind, str(out_dir), str(svg)], env=env,
                          capture_output=True, text=True, check=True)
    return Path(done.stdout.strip().splitlines()[-1])


def _render(svg: Path, size: int):  # -> PIL.Image.Image
    from PIL import Image
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return Image.open(io.BytesIO(bytes(data))).convert("RGBA")


def main() -> int:
    kind, out_dir = sys.argv[1], Path(sys.argv[2])
    svg = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).with_name("cft-desktop.svg")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication([])  # noqa: F841  (QPainter needs one, even for an image)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"cft-desktop.{kind}"
    largest = _render(svg, max(SIZES[kind]))
    if kind == "ico":
        # Each size drawn from the vector, not scaled down from 256 px: small sizes stay sharp.
        images = [_render(svg, size) for size in SIZES[kind]]
        images[-1].save(out, format="ICO", sizes=[(s, s) for s in SIZES[kind]],
                        append_images=images[:-1])
    else:
        largest.save(out, format="ICNS")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
