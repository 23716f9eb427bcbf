"""Recording from a microphone: the input stream, the ring it fills, the level meter and takes.

Owns choosing an input device (the system's default, or one named by the person and remembered by
the recorder), opening a PortAudio input stream on it at its own rate, and keeping what it hears in
a preallocated ring of fixed-size blocks. A take is the frames between `start_take` and
`stop_take`, copied out of the ring; the room tone is the first seconds after opening; the meter
reads the newest 50 ms. Nothing is resampled here: a take keeps the rate it was recorded at.

Threads: PortAudio's callback thread runs `_callback`, which only copies the block into its slot
and moves counters (no allocation of buffers, no lock, no logging, no I/O), like the output
engine's. Every other method runs on the caller's thread (the recorder's GUI thread, or a test);
they read the counters without a lock, which is safe because the callback only ever advances them
and a block is complete before its counter moves.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cft_desktop.errors import CftError

BLOCK_FRAMES = 256
"""Frames per callback: 5.3 ms at 48 kHz, so the meter and a take's start lag by little."""
MAX_TAKE_S = 90.0
"""The longest take the ring holds (a phrase is rarely over 20 s); a longer one is stopped."""
ROOM_TONE_S = 3.0
METER_WINDOW_S = 0.05
STALL_S = 0.6
"""No new block for this long while the stream should run: the microphone has gone."""

NO_MICROPHONE = ("No microphone was found. Plug one in (or allow CFT Desktop to use it in the "
                 "system's privacy settings) and try again. Everything else keeps working.")
MICROPHONE_LOST = ("The microphone stopped sending sound, so this take was not kept. Every "
                   "earlier take is safe. Check the microphone and record the phrase again.")
TAKE_TOO_LONG = (f"This take reached {MAX_TAKE_S:.0f} seconds and was stopped. A phrase is "
                 "usually much shorter: record it again, or split it in the editor.")


class CaptureError(CftError):
    """No microphone, or it could not be opened or stopped working; the message says so."""


Float32Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class InputDevice:
    """One microphone as PortAudio lists it. `index` None is "the system's default"."""

    index: int | None
    name: str
    default_rate: int
    channels: int


def _sounddevice() -> Any:
    # Imported when first needed: loading PortAudio is not free, and the recorder may never open.
    import sounddevice

    return sounddevice


def list_inputs(sd: Any = None) -> list[InputDevice]:
    """Every device that can record, the system's default first. Raises CaptureError when there
    is no input at all (or PortAudio cannot list devices)."""
    if sd is None:
        sd = _sounddevice()
    try:
        devices: Sequence[Any] = sd.query_devices()
        default = sd.default.device[0]
    except Exception as exc:  # PortAudio without any device raises its own error type
        raise CaptureError(NO_MICROPHONE) from exc
    found = [InputDevice(index, str(info["name"]), int(info["default_samplerate"]),
                         int(info["max_input_channels"]))
             for index, info in enumerate(devices) if int(info["max_input_channels"]) > 0]
    if not found:
        raise CaptureError(NO_MICROPHONE)
    found.sort(key=lambda d: d.index != default)
    return found


def find_input(name: str, sd: Any = None) -> InputDevice:
    """The device called `name` ("" for the system's default); the default if it is gone."""
    inputs = list_inputs(sd)
    for device in inputs:
        if name and device.name == name:
            return device
    return inputs[0]


def level_dbfs(samples: npt.NDArray[np.floating]) -> float:
    """The peak level of `samples` in dBFS (-inf for silence)."""
    if not len(samples):
        return -math.inf
    peak = float(np.max(np.abs(samples)))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


class Capture:
    """One open input stream and its ring. Open it, then `start_take` / `stop_take` as often as
    needed; `close` when the recorder closes."""

    def __init__(self, device: InputDevice, *, max_take_s: float = MAX_TAKE_S,
                 sample_rate: int | None = None) -> None:
        """`sample_rate` None: the device's own default rate (what it records natively)."""
        self.device = device
        self.sample_rate = sample_rate or device.default_rate
        blocks = math.ceil((max_take_s + ROOM_TONE_S) * self.sample_rate / BLOCK_FRAMES) + 8
        self._ring: Float32Array = np.zeros((blocks, BLOCK_FRAMES), dtype=np.float32)
        self._ring_blocks = blocks
        self._max_take_blocks = math.ceil(max_take_s * self.sample_rate / BLOCK_FRAMES)
        self._written = 0  # blocks the callback has filled, ever (only the callback moves it)
        self._overflows = 0
        self._last_adc_time = 0.0  # the stream clock's time of the newest block's first frame
        self._take_start: int | None = None
        self._stream: Any = None
        self._opened_at = 0.0
        self._last_seen = (0, 0.0)  # (blocks, monotonic time) when the count last moved

    # -- the stream ------------------------------------------------------------------------------

    def open(self, sd: Any = None) -> None:
        if sd is None:
            sd = _sounddevice()
        try:
            stream = sd.InputStream(
                device=self.device.index, samplerate=self.sample_rate, channels=1,
                dtype="float32", blocksize=BLOCK_FRAMES, latency="low", callback=self._callback)
            stream.start()
        except Exception as exc:
            raise CaptureError(f"The microphone “{self.device.name}” could not be opened "
                               f"({exc}). {NO_MICROPHONE}") from exc
        self._stream = stream
        self._opened_at = time.monotonic()
        self._last_seen = (0, self._opened_at)

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # a device already gone: nothing left to close
                pass

    @property
    def is_open(self) -> bool:
        return self._stream is not None

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        if status.input_overflow:
            self._overflows += 1
        slot = self._written % self._ring_blocks
        self._ring[slot] = indata[:, 0]
        self._last_adc_time = time_info.inputBufferAdcTime
        self._written += 1

    # -- what it heard ---------------------------------------------------------------------------

    @property
    def frames_heard(self) -> int:
        return self._written * BLOCK_FRAMES

    def stream_time(self) -> float:
        """The stream's clock now (seconds), on the same clock as the blocks' capture times."""
        return float(self._stream.time) if self._stream is not None else 0.0

    def newest_block_time(self) -> float:
        return self._last_adc_time

    def healthy(self) -> bool:
        """False once the stream stopped, or no block came for STALL_S (the device went away)."""
        stream = self._stream
        if stream is None or not stream.active:
            return False
        now = time.monotonic()
        written = self._written
        if written != self._last_seen[0]:
            self._last_seen = (written, now)
            return True
        return now - self._last_seen[1] < STALL_S

    def meter_dbfs(self) -> float:
        """The peak of the newest METER_WINDOW_S, in dBFS: what the level meter shows."""
        blocks = max(1, round(METER_WINDOW_S * self.sample_rate / BLOCK_FRAMES))
        return level_dbfs(self._blocks(max(0, self._written - blocks), self._written))

    def room_tone(self) -> Float32Array | None:
        """The first ROOM_TONE_S after opening, once heard (None before)."""
        blocks = math.ceil(ROOM_TONE_S * self.sample_rate / BLOCK_FRAMES)
        if self._written < blocks or self._written > self._ring_blocks:
            return None
        return self._blocks(0, blocks)

    def room_tone_ready_in_s(self) -> float:
        blocks = math.ceil(ROOM_TONE_S * self.sample_rate / BLOCK_FRAMES)
        return max(0.0, (blocks - self._written) * BLOCK_FRAMES / self.sample_rate)

    # -- takes -----------------------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return self._take_start is not None

    def start_take(self) -> None:
        """From the next block on, frames belong to the take."""
        if self._stream is None:
            raise CaptureError(NO_MICROPHONE)
        self._take_start = self._written

    def take_seconds(self) -> float:
        if self._take_start is None:
            return 0.0
        return (self._written - self._take_start) * BLOCK_FRAMES / self.sample_rate

    def take_full(self) -> bool:
        """True once the take has as much as the ring can hold (the recorder stops it then)."""
        return (self._take_start is not None
                and self._written - self._take_start >= self._max_take_blocks)

    def stop_take(self) -> Float32Array:
        """The take's frames, copied out of the ring. Raises CaptureError (and keeps nothing)
        when the microphone stopped during it."""
        start, self._take_start = self._take_start, None
        if start is None:
            return np.zeros(0, dtype=np.float32)
        if not self.healthy():
            raise CaptureError(MICROPHONE_LOST)
        end = min(self._written, start + self._max_take_blocks)
        return self._blocks(start, end)

    def cancel_take(self) -> None:
        self._take_start = None

    def _blocks(self, first: int, end: int) -> Float32Array:
        """Blocks [first, end) as one array (a copy); only blocks still in the ring."""
        first = max(first, end - self._ring_blocks, 0)
        if end <= first:
            return np.zeros(0, dtype=np.float32)
        slots = np.arange(first, end) % self._ring_blocks
        return self._ring[slots].reshape(-1).copy()
