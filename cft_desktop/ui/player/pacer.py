"""The breathing pacer: a soft circle that grows on the in-breath, rests, and shrinks on the out-breath.

Owns turning a timeline position into what the pacer shows (`pacer_state_at`, pure, no Qt state)
and drawing it (`PacerWidget`). The widget never keeps time: the player hands it the frame the
engine's audio clock reports, and the phase comes from the shared timeline, so the circle moves with
the sound however late a timer tick arrives. With reduced motion it fills a bar and counts seconds
instead of growing and shrinking. GUI thread only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPaintEvent,
    QPen,
    QRadialGradient,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from cft_desktop.core.timeline import Timeline
from cft_desktop.ui.common.theme import DEFAULT_PACER_COLOUR, LIGHT, Palette
from cft_desktop.ui.common.theme import point_size as body_point_size

LABELS = {
    "inhale": "Breathe in",
    "hold": "Hold",
    "exhale": "Breathe out",
    "natural": "Breathe at your own pace",
    "quiet": "Quiet time",
    "idle": "Ready when you are",
}
PAUSED_LABEL = "Paused: press Play to go on"
# With no breath work the circle rests half way, so nothing suggests an in- or out-breath.
QUIET_FULLNESS = 0.5
# The smallest circle as a share of the largest: big enough to stay a calm presence at empty.
MIN_RADIUS_SHARE = 0.42
# The soft halo reaches this far beyond the circle itself.
HALO_SCALE = 1.07
LABEL_SCALE = 1.6  # the "Breathe in" label against body text; never drawn below body text
# With large text the body is already large; the label grows less, so the circle keeps its room
# (issue 17 §2): 15 pt × 1.3 is still above the normal text's label (11 pt × 1.6).
LARGE_LABEL_SCALE = 1.3
LABEL_BOX_SCALE = 1.5  # the label's line and the air around it, in the label font's heights


@dataclass(frozen=True)
class PacerState:
    """What the pacer shows at one moment.

    `kind` is the timeline's breath event kind ("inhale", "hold", "exhale"), or "natural" while the
    practice has no paced breathing, or "idle" when nothing plays. `fraction` is exactly
    (frame − event.start_frame) / event.frames; `fullness` is how full the lungs are (0–1), eased
    so the circle starts and ends each breath gently.
    """

    kind: str
    fraction: float = 0.0
    start_frame: int = 0
    frames: int = 0
    elapsed_s: float = 0.0
    duration_s: float = 0.0
    fullness: float = 0.0
    bar_fill: float = 0.0

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def count(self) -> int | None:
        """Whole seconds into a breathing phase, counted from 1 (shown with reduced motion)."""
        if self.kind not in ("inhale", "exhale", "hold"):
            return None
        return min(int(self.elapsed_s) + 1, max(1, math.ceil(self.duration_s - 1e-9)))


IDLE = PacerState("idle")


def _ease(fraction: float) -> float:
    """Raised cosine: slow at the turn of the breath, like the breath itself."""
    return 0.5 - 0.5 * math.cos(math.pi * fraction)


def pacer_state_at(timeline: Timeline, frame: int) -> PacerState:
    """The pacer's state at `frame`, read from `timeline` (the same lookup the sound uses)."""
    quiet = timeline.quiet_span_at(frame)
    if quiet is not None:
        # No breath work: the circle stays still at rest; only time passing is shown (a slow
        # ring round it, or the bar with reduced motion), never a breath to follow.
        start, end = quiet
        frames = end - start
        fraction = (frame - start) / frames if frames > 0 else 0.0
        return PacerState(kind="quiet", fraction=fraction, start_frame=start, frames=frames,
                          elapsed_s=(frame - start) / timeline.sample_rate,
                          duration_s=frames / timeline.sample_rate, fullness=QUIET_FULLNESS,
                          bar_fill=fraction)
    event = timeline.breath_phase_at(frame)
    if event is None:
        return PacerState("natural")
    fraction = (frame - event.start_frame) / event.frames if event.frames > 0 else 0.0
    rate = timeline.sample_rate
    if event.kind == "inhale":
        fullness, bar = _ease(fraction), fraction
    elif event.kind == "exhale":
        fullness, bar = 1.0 - _ease(fraction), 1.0 - fraction
    else:
        # A hold keeps whatever the breath before it left: full after an in-breath, empty after out.
        before = timeline.breath_phase_at(event.start_frame - 1)
        full = before is not None and before.kind == "inhale"
        fullness = bar = 1.0 if full else 0.0
    return PacerState(
        kind=event.kind,
        fraction=fraction,
        start_frame=event.start_frame,
        frames=event.frames,
        elapsed_s=(frame - event.start_frame) / rate,
        duration_s=event.frames / rate,
        fullness=fullness,
        bar_fill=bar,
    )


class PacerWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Breathing pacer")
        self.setToolTip(
            "The breathing pacer: the circle grows as you breathe in, rests while you hold, and "
            "shrinks as you breathe out. Follow it only as far as feels comfortable."
        )
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(180, 150)
        self._state = IDLE
        self._colour = QColor(DEFAULT_PACER_COLOUR)
        self._palette = LIGHT
        self._reduced_motion = False
        self._paused = False
        self._disc_cache: tuple[tuple[int, int], QImage] | None = None
        self._label_font = QFont()
        self._count_font = QFont()
        self._set_fonts(self.font().pointSizeF())
        self.setAccessibleDescription(IDLE.label)

    # -- state ----------------------------------------------------------------------------------

    def state(self) -> PacerState:
        return self._state

    def set_state(self, state: PacerState) -> None:
        if state == self._state:
            return
        if state.kind != self._state.kind:
            # Only on a change of phase, so a screen reader is not flooded 60 times a second.
            self.setAccessibleDescription(self.label() if self._paused else state.label)
        self._state = state
        self.update()

    def set_paused(self, paused: bool) -> None:
        """Say "Paused" instead of the breath's phase (the circle keeps where it stopped)."""
        if paused != self._paused:
            self._paused = paused
            self.setAccessibleDescription(self.label())
            self.update()

    def label(self) -> str:
        return PAUSED_LABEL if self._paused else self._state.label

    def show_frame(self, timeline: Timeline, frame: int) -> None:
        self.set_state(pacer_state_at(timeline, frame))

    def reset(self) -> None:
        self.set_state(IDLE)

    # -- appearance -----------------------------------------------------------------------------

    def colour(self) -> QColor:
        return QColor(self._colour)

    def set_colour(self, colour: str | QColor) -> None:
        self._colour = QColor(colour)
        self.update()

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self.update()

    def reduced_motion(self) -> bool:
        return self._reduced_motion

    def set_reduced_motion(self, reduced: bool) -> None:
        self._reduced_motion = reduced
        self.update()

    def set_text_size(self, point_size: float) -> None:
        self._set_fonts(point_size)
        self.update()

    def _set_fonts(self, point_size: float) -> None:
        self._body_pt = point_size
        self._label_font = QFont(self.font())
        large = point_size > body_point_size(large_text=False)
        self._label_font.setPointSizeF(point_size * (LARGE_LABEL_SCALE if large else LABEL_SCALE))
        self._label_font.setWeight(QFont.Weight.DemiBold)
        self._fitted: dict[tuple[str, int], QFont] = {}
        self._count_font = QFont(self.font())
        self._count_font.setPointSizeF(point_size * 3.2)
        self._count_font.setWeight(QFont.Weight.DemiBold)

    def sizeHint(self) -> QSize:
        return QSize(380, 420)

    def _label_font_to_fit(self, text: str, width_px: int) -> QFont:
        """The label font, made smaller (down to body size) when `text` is wider than the pacer.

        A narrow window with large text would otherwise cut "Ready when you are" at both ends.
        Measured once per text and width: paintEvent runs 60 times a second.
        """
        key = (text, width_px)
        font = self._fitted.get(key)
        if font is None:
            font = QFont(self._label_font)
            full_px = QFontMetrics(font).horizontalAdvance(text)
            if full_px > width_px > 0:
                size = self._label_font.pointSizeF()
                floor = min(size, self._body_pt)
                fitted = max(floor, size * width_px / full_px)
                font.setPointSizeF(fitted)
                # Glyph widths do not scale exactly with the point size (hinting): step down
                # until it fits.
                while fitted > floor and QFontMetrics(font).horizontalAdvance(text) > width_px:
                    fitted = max(floor, fitted - 0.5)
                    font.setPointSizeF(fitted)
            if len(self._fitted) > 64:  # a window being resized: keep only recent widths
                self._fitted.clear()
            self._fitted[key] = font
        return font

    # -- drawing --------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setFont(self._label_font)
            area, label_height = self._areas()
            if self._reduced_motion:
                self._paint_bar(painter, area)
            else:
                self._paint_circle(painter, area)
            label_rect = QRectF(0, area.bottom() + 4, self.width(), label_height)
            label = self.label()
            painter.setFont(self._label_font_to_fit(label, self.width() - 16))
            painter.setPen(QColor(self._palette.text))
            painter.drawText(label_rect, Qt.AlignmentFlag.AlignCenter, label)
        finally:
            painter.end()

    def _areas(self) -> tuple[QRectF, int]:
        """Where the circle (or bar) is drawn, and the height of the label's box under it."""
        label_height = round(QFontMetrics(self._label_font).height() * LABEL_BOX_SCALE)
        return QRectF(self.rect()).adjusted(8, 8, -8, -8 - label_height), label_height

    def guide_diameter_px(self) -> float:
        """The diameter of the guide ring, the size of a full in-breath: the pacer's size as a
        person sees it."""
        area, _label = self._areas()
        return 2 * _max_radius(area)

    def _paint_circle(self, painter: QPainter, area: QRectF) -> None:
        centre = area.center()
        max_radius = _max_radius(area)
        min_radius = max_radius * MIN_RADIUS_SHARE
        radius = min_radius + (max_radius - min_radius) * self._state.fullness
        # The guide ring shows where a full in-breath reaches, so the goal is visible in advance.
        painter.setBrush(Qt.BrushStyle.NoBrush)
        guide = QPen(QColor(self._palette.pacer_guide))
        guide.setWidthF(2.0)
        painter.setPen(guide)
        painter.drawEllipse(centre, max_radius, max_radius)
        if self._state.kind == "quiet" and self._state.fraction > 0:
            # Time passing in the quiet block, as a slow arc along the guide from the top.
            passing = QPen(QColor(self._colour))
            passing.setWidthF(4.0)
            passing.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(passing)
            ring = QRectF(centre.x() - max_radius, centre.y() - max_radius, 2 * max_radius,
                          2 * max_radius)
            painter.drawArc(ring, 90 * 16, -round(self._state.fraction * 360 * 16))
        # The soft disc (radial fill and faint halo) is drawn once per colour and size into an
        # image and only scaled here: blending a large gradient every frame cost several ms.
        outer_radius = radius * HALO_SCALE
        disc = self._disc(max_radius * HALO_SCALE)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(
            QRectF(centre.x() - outer_radius, centre.y() - outer_radius, 2 * outer_radius,
                   2 * outer_radius),
            disc,
        )

    def _disc(self, outer_radius: float) -> QImage:
        size = max(2, math.ceil(2 * outer_radius))
        key = (self._colour.rgba(), size)
        if self._disc_cache is not None and self._disc_cache[0] == key:
            return self._disc_cache[1]
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        centre = QPointF(size / 2, size / 2)
        gradient = QRadialGradient(centre, size / 2)
        body = QColor(self._colour)
        body.setAlpha(215)
        halo = QColor(self._colour)
        halo.setAlpha(45)
        edge = 1.0 / HALO_SCALE
        gradient.setColorAt(0.0, QColor(self._colour).lighter(118))
        gradient.setColorAt(edge - 0.005, body)
        gradient.setColorAt(edge, halo)
        gradient.setColorAt(1.0, halo)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(gradient)
            painter.drawEllipse(centre, size / 2, size / 2)
        finally:
            painter.end()
        self._disc_cache = (key, image)
        return image

    def _paint_bar(self, painter: QPainter, area: QRectF) -> None:
        width = area.width() * 0.8
        height = max(18.0, min(40.0, area.height() * 0.12))
        left = area.left() + (area.width() - width) / 2
        top = area.center().y() + height
        track = QRectF(left, top, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(self._palette.pacer_guide))
        painter.drawRoundedRect(track, height / 2, height / 2)
        fill = self._state.bar_fill
        if fill > 0:
            painter.setBrush(QColor(self._colour))
            filled = QRectF(left, top, max(height, width * fill), height)
            painter.drawRoundedRect(filled, height / 2, height / 2)
        count = self._state.count
        if count is not None:
            painter.setFont(self._count_font)
            painter.setPen(QColor(self._palette.text))
            count_rect = QRectF(area.left(), area.top(), area.width(), top - area.top() - 8)
            painter.drawText(count_rect, Qt.AlignmentFlag.AlignCenter, str(count))


def _max_radius(area: QRectF) -> float:
    return max(10.0, min(area.width(), area.height()) / 2 - 6)
