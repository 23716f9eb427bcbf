"""The player: the practice's title, the breathing pacer, the caption, progress, and the transport.

Owns how one practice looks while it plays: the pacer (fed a frame, never a tick count), the
current phrase as a caption, elapsed and remaining time, "Preparing narration 12 of 40" while the
voice is still being synthesised, the breathing safety line, and the buttons Play, Pause, Stop,
previous/next phrase and Ground me. It only emits intents; the window calls the session and engine.
GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.core.library import Entry
from cft_desktop.core.timeline import Timeline
from cft_desktop.ui.common.states import IDLE, PAUSED, PLAYING, PREPARING
from cft_desktop.ui.common.theme import (
    CAPTION_COMPACT_SCALE,
    LIGHT,
    TITLE_COMPACT_SCALE,
    Palette,
    caption_scale,
    scaled_point_size,
    title_scale,
)
from cft_desktop.ui.common.theme import (
    point_size as body_point_size,
)
from cft_desktop.ui.library.library_view import KIND_HEADINGS, error_lines, minutes_text
from cft_desktop.ui.player.grounding import GroundMeButton
from cft_desktop.ui.player.pacer import PacerWidget

SAFETY_LINE = "Breathe gently. If you feel dizzy or breathless, return to normal breathing."
PROGRESS_STEPS = 1000
MIN_WIDTH = 340  # px; the player never gets narrower than this, whatever the text size
# Beyond these, a title or a phrase steps down to its compact size rather than take the pacer's
# room: with large text in a laptop-sized window, a seven-line caption box and a four-line title
# used to leave a pacer about 55 px across.
TITLE_MAX_LINES = 2
CAPTION_MAX_LINES = 4
# With large text every line is taller: fewer lines at the full size keep the pacer at 80 % or more
# of its normal-text size on a 1366×768 laptop (issue 17 §2). Longer phrases and titles are shown
# at their compact size, which with large text is as large as the normal text's full caption.
LARGE_TITLE_MAX_LINES = 1
LARGE_CAPTION_MAX_LINES = 2
PACE_GAP_PX = 24  # between the transport buttons and the Pace control when they share a row
# A screen with less height than this to give (a 1024×600 netbook has about 560) is short: the
# length-and-kind line, which the practice list also shows, makes way for the pacer there.
SHORT_SCREEN_PX = 640



NO_PRACTICE_HINT = "Pick a practice from the list on the left, then press Space."


def clock(seconds: float) -> str:
    minutes, secs = divmod(max(0, int(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def preparing_text(done: int, total: int) -> str:
    return f"Preparing narration {done} of {total}"


def about_left_text(seconds: float) -> str:
    """A steady estimate while narration is still being prepared: whole minutes, rounded up."""
    minutes = max(1, -(-int(seconds) // 60))
    return "about a minute left" if minutes == 1 else f"about {minutes} minutes left"


class PlayerView(QWidget):
    play_requested = Signal()
    pause_requested = Signal()
    stop_requested = Signal()
    previous_requested = Signal()
    next_requested = Signal()
    ground_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = IDLE
        self._can_play = False
        self._caption_text = ""
        self._caption_dimmed = False
        self._muted_colour = LIGHT.muted_text
        self._shown_seconds: tuple[int, int] | None = None
        self._caption_pool: list[str] = []
        # Phrases too long for CAPTION_MAX_LINES at the caption size, shown at the compact size.
        self._compact_captions: set[str] = set()
        self._point_size: float = body_point_size(large_text=False)
        self._large_text = False
        self._preparing_now = False
        self._pace: QWidget | None = None
        self._pace_beside = False
        self._meta_is_length = False
        self._setup_ui()
        self._connect_signals()
        self.set_state(IDLE)

    def minimumSizeHint(self) -> QSize:
        # What its content needs (it grows with large text: Ground me and the three buttons), never
        # narrower than MIN_WIDTH. A fixed minimum width would override this, and the splitter
        # would then squeeze the player until large text was cut off.
        return super().minimumSizeHint().expandedTo(QSize(MIN_WIDTH, 0))

    # -- construction ---------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.title = QLabel("Choose a practice")
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Practice title")
        self.meta = QLabel("")
        self.meta.setProperty("role", "muted")
        self.meta.setAccessibleName("Practice length and kind")
        self.meta.setWordWrap(True)
        self.meta.setToolTip("How long the practice takes and what kind it is. You can select "
                             "and copy this text.")
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.ground = GroundMeButton()

        header_text = QVBoxLayout()
        header_text.setSpacing(4)
        header_text.addWidget(self.title)
        header_text.addWidget(self.meta)
        header = QHBoxLayout()
        header.addLayout(header_text, 1)
        header.addWidget(self.ground, 0, Qt.AlignmentFlag.AlignTop)

        self.pacer = PacerWidget()
        self.safety = QLabel(SAFETY_LINE)
        self.safety.setProperty("role", "safety")
        self.safety.setWordWrap(True)
        self.safety.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.safety.setAccessibleName("Breathing safety note")

        self.caption = QLabel("")
        self.caption.setProperty("role", "caption")
        self.caption.setAccessibleName("Caption")
        self.caption.setToolTip("The words being spoken now.")
        self.caption.setWordWrap(True)
        # Top-aligned: the box is tall enough for the longest phrase, and a short one should sit
        # just under the pacer rather than float in the middle of empty space.
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.caption.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.elapsed = QLabel("0:00")
        self.elapsed.setAccessibleName("Time elapsed")
        self.remaining = QLabel("")
        self.remaining.setAccessibleName("Time remaining")
        self.remaining.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Progress through the practice")
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.elapsed)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.remaining)

        self.preparing_label = QLabel("")
        self.preparing_label.setProperty("role", "muted")
        self.preparing_label.setAccessibleName("Narration preparation")
        self.preparing_bar = QProgressBar()
        self.preparing_bar.setTextVisible(False)
        self.preparing_bar.setAccessibleName("Preparing narration")
        self.preparing_bar.setMaximumWidth(90)
        self.preparing_estimate = QLabel("")
        self.preparing_estimate.setProperty("role", "muted")
        self.preparing_estimate.setAccessibleName("Time remaining, about")
        preparing_row = QHBoxLayout()
        preparing_row.addWidget(self.preparing_label)
        preparing_row.addWidget(self.preparing_bar, 1)
        preparing_row.addWidget(self.preparing_estimate)
        self.preparing = QWidget()
        self.preparing.setLayout(preparing_row)
        preparing_row.setContentsMargins(0, 0, 0, 0)
        # One place for the time left and the preparation (issue 17 §3): while the narration is
        # still being made the exact time left keeps changing, so this row shows the preparation
        # and a steady estimate in whole minutes instead, where the time left will be.
        self.preparing.hide()

        style = self.style()
        icon = QStyle.StandardPixmap
        # Phrase steps are small icon buttons beside the progress bar (named for screen readers),
        # so the main buttons stay large and unclipped even with large text.
        self.previous = self._button("Previous phrase", "Go back to the previous phrase (Left arrow)")
        self.previous.setText("")
        self.previous.setIcon(style.standardIcon(icon.SP_MediaSkipBackward))
        self.next = self._button("Next phrase", "Skip to the next phrase (Right arrow)")
        self.next.setText("")
        self.next.setIcon(style.standardIcon(icon.SP_MediaSkipForward))
        progress_row.insertWidget(0, self.previous)
        progress_row.addWidget(self.preparing)
        progress_row.addWidget(self.next)
        self.play = self._button("Play", "Start or continue the practice (Space)")
        self.play.setIcon(style.standardIcon(icon.SP_MediaPlay))
        self.play.setProperty("role", "primary")
        self.pause = self._button("Pause", "Pause the practice (Space)")
        self.pause.setIcon(style.standardIcon(icon.SP_MediaPause))
        self.stop = self._button("Stop", "Stop the practice (Esc)")
        self.stop.setIcon(style.standardIcon(icon.SP_MediaStop))
        transport = QHBoxLayout()
        transport.addStretch(1)
        for button in (self.play, self.pause, self.stop):
            button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            transport.addWidget(button)
        transport.addStretch(1)
        self._transport = transport

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(header)
        layout.addWidget(self.pacer, 1)
        layout.addWidget(self.safety)
        layout.addWidget(self.caption)
        layout.addLayout(progress_row)
        layout.addLayout(transport)
        self._fit_caption()

    def set_pace(self, pace: QWidget) -> None:
        """The simple view's Pace control: beside the transport buttons when the player is wide
        enough for both, else on a row of its own under them (the pacer keeps that row's height
        whenever it can)."""
        self._pace = pace
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addWidget(pace)
        self._place_pace()

    def _place_pace(self) -> None:
        pace = self._pace
        if pace is None:
            return
        buttons_px = sum(b.sizeHint().width() for b in (self.play, self.pause, self.stop))
        margins = self.layout().contentsMargins()
        inner_px = self.width() - margins.left() - margins.right()
        beside = not pace.isHidden() and (buttons_px + 2 * self._transport.spacing()
                                          + PACE_GAP_PX + pace.sizeHint().width() <= inner_px)
        if beside == self._pace_beside:
            return
        self._pace_beside = beside
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        # Beside the buttons it must not hold the player wide: a narrower window moves it below.
        # Told through a property: the row's widget answers it in its minimumSizeHint.
        pace.setProperty("squeezable", beside)
        pace.updateGeometry()
        if beside:
            layout.removeWidget(pace)
            # After Stop, before the closing stretch.
            self._transport.insertSpacing(self._transport.count() - 1, PACE_GAP_PX)
            self._transport.insertWidget(self._transport.count() - 1, pace)
        else:
            self._transport.removeWidget(pace)
            gap = self._transport.itemAt(self._transport.count() - 2)
            if gap is not None and gap.spacerItem() is not None:
                self._transport.removeItem(gap)
            layout.addWidget(pace)

    def pace_beside_buttons(self) -> bool:
        return self._pace_beside

    def _button(self, name: str, tip: str) -> QPushButton:
        button = QPushButton(name)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        return button

    def _connect_signals(self) -> None:
        self.play.clicked.connect(self.play_requested)
        self.pause.clicked.connect(self.pause_requested)
        self.stop.clicked.connect(self.stop_requested)
        self.previous.clicked.connect(self.previous_requested)
        self.next.clicked.connect(self.next_requested)
        self.ground.clicked.connect(self.ground_requested)

    def focus_chain(self) -> list[QWidget]:
        """This view's focusable widgets in keyboard order (the window sets the tab order)."""
        return [self.play, self.pause, self.stop, self.ground, self.previous, self.next]

    # -- state ----------------------------------------------------------------------------------

    def state(self) -> str:
        return self._state

    def set_can_play(self, can_play: bool) -> None:
        self._can_play = can_play
        self.set_state(self._state)

    def set_state(self, state: str) -> None:
        self._state = state
        active = state != IDLE
        # Enable before disable: when the focused button is disabled Qt moves focus to the next
        # enabled one, and Play → Pause is where a keyboard user wants to land.
        enable = {
            self.play: state == PAUSED or (state == IDLE and self._can_play),
            self.pause: state in (PLAYING, PREPARING),
            self.stop: active,
            self.previous: state in (PLAYING, PAUSED),
            self.next: state in (PLAYING, PAUSED),
        }
        for button, on in enable.items():
            if on:
                button.setEnabled(True)
        for button, on in enable.items():
            if not on:
                button.setEnabled(False)
        self.pacer.set_paused(state == PAUSED)
        if state == IDLE:
            self.reset_position()

    def show_practice(self, entry: Entry | None) -> None:
        """Header for the chosen practice (its summary and caution are in the library list)."""
        if entry is None:
            self.title.setText("Choose a practice")
            self.meta.setText(NO_PRACTICE_HINT)
        elif entry.script is None:
            self.title.setText(f"{entry.path.name} could not be read")
            self.meta.setText("\n".join(error_lines(entry)))
        else:
            script = entry.script
            kind = KIND_HEADINGS.get(script.kind, script.kind)
            self.title.setText(script.title)
            self.meta.setText(f"{minutes_text(script.minutes)} · {kind}")
        self._meta_is_length = entry is not None and entry.script is not None
        self._fit_to_screen_height()
        self._fit_title()
        pool = [p.text for p in entry.script.phrases()] if entry and entry.script else []
        if pool != self._caption_pool:
            self._caption_pool = pool
            self._fit_caption()

    # -- position -------------------------------------------------------------------------------

    def show_position(self, timeline: Timeline, frame: int) -> None:
        """Everything that follows the audio clock, read from the timeline at `frame`."""
        self.pacer.show_frame(timeline, frame)
        phrase = timeline.phrase_at(frame)
        # A caption belongs to its phrase: once the phrase is over and breathing goes on, it
        # dims, so the words never seem to disagree with the pacer (between phrases it stays).
        over = (phrase is not None and frame >= phrase.end_frame + timeline.sample_rate
                and timeline.breath_phase_at(frame) is not None)
        self._set_caption(phrase.text if phrase is not None else "")
        self._set_caption_dimmed(over)
        rate = timeline.sample_rate
        total = max(1, timeline.total_frames)
        frame = min(max(frame, 0), total)
        self.progress.setValue(round(frame / total * PROGRESS_STEPS))
        seconds = (frame // rate, (total - frame + rate - 1) // rate)
        if seconds != self._shown_seconds:
            # Text changes only once a second: no relayout 60 times a second.
            self._shown_seconds = seconds
            self.elapsed.setText(clock(seconds[0]))
            self.remaining.setText(f"{clock(seconds[1])} left")
            self.preparing_estimate.setText(about_left_text(seconds[1]))

    def reset_position(self) -> None:
        self.pacer.reset()
        self._set_caption("")
        self._set_caption_dimmed(False)
        self.progress.setValue(0)
        self._shown_seconds = None
        self.elapsed.setText("0:00")
        self.remaining.setText("")

    def _set_caption(self, text: str) -> None:
        if text != self._caption_text:
            self._caption_text = text
            _set_fit(self.caption, text in self._compact_captions)
            self.caption.setText(text)

    def caption_text(self) -> str:
        return self._caption_text

    def caption_dimmed(self) -> bool:
        """True while the caption's phrase is over and the breath goes on (shown muted)."""
        return self._caption_dimmed

    def _set_caption_dimmed(self, dimmed: bool) -> None:
        if dimmed != self._caption_dimmed:
            self._caption_dimmed = dimmed
            self.caption.setStyleSheet(f"color: {self._muted_colour};" if dimmed else "")

    def set_caption_visible(self, visible: bool) -> None:
        # Hidden text keeps its space, so the pacer does not jump when words are switched off.
        policy = self.caption.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.caption.setSizePolicy(policy)
        self.caption.setVisible(visible)

    # -- narration preparation ------------------------------------------------------------------

    def show_preparation(self, done: int, total: int) -> None:
        """(done, total) phrases ready; done >= total hides it (nothing is being prepared)."""
        if done >= total:
            self.hide_preparation()
            return
        self.preparing_label.setText(preparing_text(done, total))
        self.preparing_bar.setRange(0, max(1, total))
        self.preparing_bar.setValue(done)
        self._preparing_now = True
        self.remaining.hide()
        self.preparing.show()

    def hide_preparation(self) -> None:
        self._preparing_now = False
        self.preparing.hide()
        self.remaining.show()

    # -- appearance -----------------------------------------------------------------------------

    def apply_display(self, palette: Palette, point_size: float, colour: str,
                      reduced_motion: bool) -> None:
        self._large_text = point_size > body_point_size(large_text=False)
        self.pacer.set_palette(palette)
        self._muted_colour = palette.muted_text
        if self._caption_dimmed:
            self.caption.setStyleSheet(f"color: {self._muted_colour};")
        self.pacer.set_text_size(point_size)
        self.pacer.set_colour(colour)
        self.pacer.set_reduced_motion(reduced_motion)
        self._fit_caption(point_size)
        self._fit_title()

    def _font(self, label: QLabel, scale: float) -> QFont:
        font = QFont(label.font())
        font.setPointSize(scaled_point_size(self._point_size, scale))
        return font

    def _fit_caption(self, point_size: float | None = None) -> None:
        """Tall enough for the practice's longest phrase at this width and text size, up to
        CAPTION_MAX_LINES; a longer phrase is shown at the compact size (and the box fits that).

        Measured once per practice (and on resize), so the pacer never jumps as phrases change.
        """
        if point_size is not None:
            self._point_size = point_size
        full = QFontMetrics(self._font(self.caption, caption_scale(self._large_text)))
        compact = QFontMetrics(self._font(self.caption, CAPTION_COMPACT_SCALE))
        width = max(100, self.caption.width() - 4)
        most = full.lineSpacing() * (LARGE_CAPTION_MAX_LINES if self._large_text
                                     else CAPTION_MAX_LINES)
        needed = full.lineSpacing() * 2
        compact_texts: set[str] = set()
        for text in self._caption_pool:
            height = _wrapped_height(full, width, text)
            if height > most:
                compact_texts.add(text)
                height = _wrapped_height(compact, width, text)
            needed = max(needed, height)
        self._compact_captions = compact_texts
        _set_fit(self.caption, self._caption_text in compact_texts)
        self.caption.setFixedHeight(needed + 8)

    def _fit_title(self) -> None:
        """The title at its full size when it fits in TITLE_MAX_LINES, else at the compact size."""
        metrics = QFontMetrics(self._font(self.title, title_scale(self._large_text)))
        width = max(100, self.title.width())
        lines = _wrapped_height(metrics, width, self.title.text()) / metrics.lineSpacing()
        most = LARGE_TITLE_MAX_LINES if self._large_text else TITLE_MAX_LINES
        _set_fit(self.title, lines > most + 0.5)
        # Left to itself a wrapping label asks for a width of its own choosing (276 px for
        # "Compassionate colour" at large text), which made the window wider than a 1024 px
        # screen. It only needs its longest word, at the compact size.
        small = QFontMetrics(self._font(self.title, TITLE_COMPACT_SCALE))
        longest_px = max((small.horizontalAdvance(w) for w in self.title.text().split()), default=0)
        if self.title.minimumWidth() != longest_px + 4:
            self.title.setMinimumWidth(longest_px + 4)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_to_screen_height()

    def _fit_to_screen_height(self) -> None:
        screen = self.screen()
        short = screen is not None and screen.availableGeometry().height() < SHORT_SCREEN_PX
        # Only the length and kind make way: a hint or a script's errors are always shown.
        self.meta.setVisible(not (short and self._meta_is_length))
        self.title.setToolTip(self.meta.text() if short and self._meta_is_length else "")
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(12, 4 if short else 8, 12, 4 if short else 8)
            layout.setSpacing(4 if short else -1)  # -1: the style's own spacing
        if self._pace is not None and self._pace.property("short") != short:
            self._pace.setProperty("short", short)
            self._pace.updateGeometry()

    def short_screen(self) -> bool:
        screen = self.screen()
        return screen is not None and screen.availableGeometry().height() < SHORT_SCREEN_PX

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_title()
        self._fit_caption()
        self._place_pace()
        self._keep_height_for_wrapped_text()

    def _keep_height_for_wrapped_text(self) -> None:
        # A layout's minimum height counts each wrapped label as one line, so a short window with
        # large text squeezed the column below what its wrapped title and safety note need and
        # drew them over the pacer. The height they need at this width is the real minimum, and
        # it reaches the window's own minimum through the layouts.
        layout = self.layout()
        if layout is None:
            return
        needed = layout.minimumHeightForWidth(self.width())
        if needed > 0 and self.minimumHeight() != needed:
            self.setMinimumHeight(needed)


def _wrapped_height(metrics: QFontMetrics, width: int, text: str) -> int:
    return metrics.boundingRect(QRect(0, 0, width, 100_000), int(Qt.TextFlag.TextWordWrap),
                                text).height()


def _set_fit(label: QLabel, compact: bool) -> None:
    """Switch a label between its role's full and compact style-sheet sizes."""
    wanted = "compact" if compact else ""
    if (label.property("fit") or "") == wanted:
        return
    label.setProperty("fit", wanted)
    # A dynamic property only reaches the style sheet when the widget is polished again.
    label.style().unpolish(label)
    label.style().polish(label)
