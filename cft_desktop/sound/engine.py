"""The playback engine: a sounddevice OutputStream, its render worker, and the audio clock.

Owns the sound card. Three threads meet here:

* the **caller** (GUI or CLI thread) calls `start`, `pause`, `resume`, `seek`, `stop` and reads
  `position_frame()`; these only set flags and read integers;
* the **render worker** (`_render_loop`) asks the mixer for the next block ahead of the playhead and
  puts it in a preallocated ring of blocks;
* the **PortAudio callback** (`_callback`) copies one ready block into `outdata`, multiplied by a
  precomputed ramp when fading, and bumps integers. It never allocates arrays, logs, locks, does
  I/O or calls Qt. NB: the ring is single-producer/single-consumer; the producer only writes a slot
  before bumping `_written`, the consumer only reads a slot before bumping `_read`, and each counter
  has one writer, so under the GIL no lock is needed.

Position = the timeline frame of the sample at the DAC now, from PortAudio's stream clock; never from
timer ticks. Pause, resume, seek and stop ramp the gain over one block so nothing clicks.

A device that disappears (headphones unplugged) is noticed by the render worker, never by the
callback: PortAudio either ends the stream by itself (its finished callback runs although nobody
asked to stop; seen with ALSA over PulseAudio when the sink goes) or simply stops calling back
(WASAPI and Core Audio in PortAudio 19.6). The worker then freezes the position at the frame the
listener had reached, marks the engine `device_lost` and calls `on_device_lost`; a new engine
started at `kept_frame` carries on from there.

What it plays is any `Renderable` (in practice `cft_desktop.session.Session`): the engine needs only
the four members named there, so sound/ does not depend on the session that is built from it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from cft_desktop.errors import AudioDeviceError
from cft_desktop.sound.clips import SAMPLE_RATE, FloatArray
from cft_desktop.sound.devices import OutputChoice, current_default_output
from cft_desktop.sound.settings import NO_DEVICE_MESSAGE as NO_DEVICE_MESSAGE

BLOCK_FRAMES = 1024
RING_BLOCKS = 16

# Callback states (plain ints: comparing them allocates nothing).
_SILENT = 0
_FADING_IN = 1
_PLAYING = 2
_FADING_OUT = 3

# Callbacks come every block (46 ms) even while paused, since a paused engine still plays silence;
# a silence of this long from PortAudio means the device has gone. Long enough that a busy machine
# (a GC pause, a swap storm) is not taken for an unplugged headset.
STALL_S = 1.5
# Except while a stream starts: PulseAudio takes three blocks and then nothing for about 1.8 s
# while it prebuffers (measured here on a new sink), so until the stream has asked for this much
# sound the allowance is STARTUP_STALL_S.
STALL_ARMED_AFTER_S = 3.0
STARTUP_STALL_S = 6.0


class Renderable(Protocol):
    """What the engine plays: a timeline it can render block by block, ahead of the playhead.

    `render` and `ready_through` are called on the render worker; `total_frames` on the worker
    and the caller's thread. The worker writes `render_head_frame` (the first frame not yet
    rendered) so that late changes (a new pacing, a clip that arrives) start after it.
    """

    render_head_frame: int

    @property
    def sample_rate(self) -> int:
        """The rate its frames count at, and so the rate the stream is opened at."""
        ...

    @property
    def total_frames(self) -> int: ...

    def ready_through(self, end_frame: int) -> bool:
        """True when everything starting before `end_frame` can be rendered as it will sound."""
        ...

    def render(self, start_frame: int, out: FloatArray) -> None:
        """Fill `out` with the frames from `start_frame` on."""
        ...


def _import_sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:
        raise AudioDeviceError(
            "The PortAudio sound library is missing, so nothing can be played. On Debian or "
            "Ubuntu install it with: sudo apt-get install libportaudio2"
        ) from exc
    return sounddevice


def output_devices() -> list[tuple[int, str]]:
    """(index, name) of every device that can play sound; empty when there is none."""
    sd = _import_sounddevice()
    try:
        devices = sd.query_devices()
    except Exception:
        return []
    return [
        (index, str(device["name"]))
        for index, device in enumerate(devices)
        if device["max_output_channels"] > 0
    ]


class Engine:
    def __init__(
        self,
        source: Renderable,
        device: int | str | None = None,
        block_frames: int | None = None,
        ring_blocks: int = RING_BLOCKS,
        output: OutputChoice | None = None,
    ) -> None:
        """`device` names a PortAudio device outright; otherwise `output` (or, when that is None
        too, the platform's default output at `start`) says which device and host API to use.
        `block_frames` defaults to BLOCK_FRAMES at the neural voice's rate and the same length
        of time (46 ms) at any other, so the ring holds as much time ahead at 48 kHz."""
        self.source = source
        # Fixed for the engine's life: a session's rate never changes while it plays.
        self.sample_rate = source.sample_rate
        self.device = device
        self.output = output
        if block_frames is None:
            block_frames = round(BLOCK_FRAMES * self.sample_rate / SAMPLE_RATE)
        self.block_frames = block_frames
        self._ring = np.zeros((ring_blocks, block_frames), dtype=np.float32)
        self._slot_start = np.zeros(ring_blocks, dtype=np.int64)
        self._ring_blocks = ring_blocks
        self._ramp_up = np.linspace(0.0, 1.0, block_frames, endpoint=False, dtype=np.float32)
        self._ramp_down = self._ramp_up[::-1].copy()
        self._written = 0
        self._read = 0
        self._state = _SILENT
        self._want_playing = False
        self._stop_requested = False
        # Plain flags, not threading.Event: the callback sets them, and Event.set() takes a lock.
        self._stopped_ack = False
        self._finished = False
        self._end_written = -1
        self._render_frame = 0
        self._seek_to: int | None = None
        # (first frame of the block now playing, the DAC time it started at), swapped as one
        # reference: two separate attributes could be read half old, half new by the GUI thread,
        # putting the pacer one block (46 ms) off for a frame.
        self._anchor: tuple[int, float] = (0, 0.0)
        self._frozen_position = 0
        self.underruns = 0
        self._latency_frames = 0
        self._stream: Any = None
        self._worker: threading.Thread | None = None
        self._running = False
        self.on_finished: Callable[[], None] | None = None
        self.error: BaseException | None = None
        # Bumped by the callback and read by the worker's stall check; ints only, no lock.
        self._callbacks = 0
        self._stream_ended = False  # set by PortAudio's finished callback
        self._lost = False
        self._kept_frame = 0
        self.lost_reason = ""
        """How the loss showed itself, for the log."""
        self.on_device_lost: Callable[[], None] | None = None
        """Called once, on the render worker, when the output device has gone away."""

    # -- control (caller's thread) ----------------------------------------------------------------

    def stream_settings(self, sd: Any) -> dict[str, Any]:
        """The OutputStream arguments for this engine's device (`sd` is the sounddevice module)."""
        settings: dict[str, Any] = {
            "samplerate": self.sample_rate,
            "channels": 1,
            "dtype": "float32",
            "blocksize": self.block_frames,
            "device": self.device,
            "callback": self._callback,
            "finished_callback": self._on_stream_finished,
            "latency": "high",
        }
        if self.device is None:
            if self.output is None:
                self.output = current_default_output(sd)
            if self.output is not None:
                settings["device"] = self.output.device
                if self.output.needs_auto_convert:
                    settings["extra_settings"] = sd.WasapiSettings(auto_convert=True)
        return settings

    def start(self, start_frame: int = 0) -> None:
        """Open the output stream and start playing from `start_frame`."""
        sd = _import_sounddevice()
        self._render_frame = start_frame
        self.source.render_head_frame = start_frame
        self._anchor = (start_frame, 0.0)
        self._frozen_position = start_frame
        self._kept_frame = start_frame
        try:
            self._stream = sd.OutputStream(**self.stream_settings(sd))
        except Exception as exc:
            raise AudioDeviceError(f"{NO_DEVICE_MESSAGE} (Details: {exc})") from exc
        self._latency_frames = round(float(self._stream.latency) * self.sample_rate)
        self._running = True
        self._want_playing = True
        self._worker = threading.Thread(target=self._render_loop, name="render", daemon=True)
        self._worker.start()
        try:
            self._stream.start()
        except Exception as exc:
            self._running = False
            raise AudioDeviceError(f"{NO_DEVICE_MESSAGE} (Details: {exc})") from exc

    def pause(self) -> None:
        self._want_playing = False

    def resume(self) -> None:
        if not self._finished and not self._lost:
            self._want_playing = True

    @property
    def playing(self) -> bool:
        return self._want_playing and not self._finished and not self._lost

    @property
    def device_lost(self) -> bool:
        """True once the output device went away; the engine then stays silent for good."""
        return self._lost

    @property
    def kept_frame(self) -> int:
        """Where to carry on after the device was lost: the frame the listener had reached."""
        return self._kept_frame

    @property
    def finished(self) -> bool:
        """True once the last block of the session has been handed to the sound card."""
        return self._finished

    def seek(self, frame: int) -> None:
        """Jump to `frame` (clamped to the session); fades out, refills, fades back in."""
        total = self.source.total_frames
        self._seek_to = max(0, min(frame, total))

    def stop(self, fade: bool = True, timeout_s: float = 2.0) -> None:
        """Fade out (one block), stop the stream and the worker. Safe to call twice."""
        self._stop_requested = True
        self._want_playing = False
        if fade and self._stream is not None and not self._lost and self._stream.active:
            _poll(lambda: self._stopped_ack, timeout_s)
        self._running = False
        if self._worker is not None:
            self._worker.join(timeout_s)
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception:  # closing a stream whose device vanished must not raise
                pass
            self._stream = None

    def position_frame(self) -> int:
        """Timeline frame of the sample the listener hears now, from the stream's clock."""
        if self._lost:
            return self._kept_frame
        if self._state != _PLAYING or self._stream is None:
            return self._frozen_position
        start, dac_time = self._anchor
        try:
            now = float(self._stream.time)
        except Exception:
            now = 0.0
        if dac_time > 0.0 and now > 0.0:
            position = start + round((now - dac_time) * self.sample_rate)
            # The clock can only be ahead of the last block by the output latency plus one block.
            low = start - self._latency_frames - self.block_frames
            high = start + self.block_frames
            return max(0, min(max(position, low), high))
        return max(0, start + self.block_frames - self._latency_frames)

    def wait_finished(self, timeout_s: float | None = None) -> bool:
        """Wait until the session was handed over in full, the renderer failed or the device
        went away (check `finished`, `error` and `device_lost` to tell which)."""
        return _poll(lambda: self._finished or self.error is not None or self._lost, timeout_s)

    # -- render worker -------------------------------------------------------------------------

    def _render_loop(self) -> None:
        source = self.source
        block = self.block_frames
        rate = self.sample_rate
        slack_s = block / rate / 4
        seen_callbacks = -1
        heard_at = time.monotonic()
        armed_after_callbacks = round(STALL_ARMED_AFTER_S * rate / block)
        try:
            while self._running:
                now = time.monotonic()
                if self._callbacks != seen_callbacks:
                    seen_callbacks = self._callbacks
                    heard_at = now
                if not self._stop_requested and self._stream_ended:
                    self._lose_device("PortAudio ended the stream")
                    return
                allowed_s = STALL_S if seen_callbacks >= armed_after_callbacks else STARTUP_STALL_S
                if not self._stop_requested and now - heard_at > allowed_s:
                    self._lose_device(f"no callback from PortAudio for {allowed_s} s")
                    return
                if self._seek_to is not None:
                    self._do_seek()
                    continue
                if self._end_written >= 0:
                    time.sleep(slack_s)
                    continue
                if self._written - self._read >= self._ring_blocks:
                    time.sleep(slack_s)
                    continue
                start = self._render_frame
                total = source.total_frames
                if not source.ready_through(start + block + rate):
                    time.sleep(slack_s)
                    continue
                slot = self._written % self._ring_blocks
                source.render(start, self._ring[slot])
                if start + block >= total:
                    self._ring[slot, max(0, total - start):] = 0.0
                self._slot_start[slot] = start
                self._render_frame = start + block
                source.render_head_frame = self._render_frame
                if start + block >= total:
                    self._end_written = self._written
                self._written += 1
        except BaseException as exc:  # surfaced to the owner via `error`; the stream fades out
            self.error = exc
            self._want_playing = False

    def _lose_device(self, reason: str) -> None:
        """Render worker: the device went away. Keep the place, go quiet, tell the owner."""
        self.lost_reason = reason
        start, _dac_time = self._anchor
        # Paused (or not yet begun), everything up to the fade-out was heard. Playing, the blocks
        # still in the device's buffer died with it: going back by the output latency may repeat
        # a fraction of a second, but never skips a word the listener missed.
        paused = self._state == _SILENT
        kept = self._frozen_position if paused else max(0, start - self._latency_frames)
        self._kept_frame = min(kept, self.source.total_frames)
        self._want_playing = False
        self._lost = True
        callback = self.on_device_lost
        if callback is not None:
            callback()

    def _on_stream_finished(self) -> None:
        # PortAudio's thread, once the stream has ended for whatever reason; a plain flag only.
        self._stream_ended = True

    def _do_seek(self) -> None:
        target = self._seek_to
        was_playing = self._want_playing
        self._want_playing = False
        deadline = time.monotonic() + 1.0
        while self._state != _SILENT and time.monotonic() < deadline:
            time.sleep(0.002)
        # The callback is silent and reads nothing now, so the ring can be reset.
        self._read = self._written
        self._end_written = -1
        self._finished = False
        assert target is not None
        self._render_frame = target
        self.source.render_head_frame = target
        self._anchor = (target, self._anchor[1])
        self._frozen_position = target
        self._seek_to = None
        self._want_playing = was_playing

    # -- PortAudio callback ------------------------------------------------------------------

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        self._callbacks += 1
        out = outdata[:, 0]
        state = self._state
        if self._stop_requested and state == _SILENT:
            out.fill(0.0)
            self._stopped_ack = True
            return
        have = self._read < self._written
        if state == _PLAYING and not self._want_playing:
            state = _FADING_OUT
        elif state == _SILENT:
            if self._want_playing and have:
                state = _FADING_IN
            else:
                out.fill(0.0)
                return
        if not have:
            self.underruns += 1
            out.fill(0.0)
            if state == _FADING_OUT:
                self._state = _SILENT
            return
        slot = self._read % self._ring_blocks
        source = self._ring[slot]
        if state == _FADING_IN:
            np.multiply(source, self._ramp_up, out=out)
            self._state = _PLAYING
        elif state == _FADING_OUT:
            np.multiply(source, self._ramp_down, out=out)
            self._state = _SILENT
        else:
            out[:] = source
            self._state = _PLAYING
        start = int(self._slot_start[slot])
        # A 2-tuple comes from CPython's free list, like the int and float just read: no malloc.
        self._anchor = (start, time_info.outputBufferDacTime)
        self._frozen_position = start + frames
        finished_now = self._read == self._end_written
        self._read += 1
        if finished_now:
            self._want_playing = False
            self._state = _SILENT
            self._finished = True


def _poll(condition: Callable[[], bool], timeout_s: float | None) -> bool:
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while not condition():
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(0.005)
    return True
