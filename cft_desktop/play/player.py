"""The player: the whole life of one playing practice, for the window and the command line alike.

Owns building the `Session`, taking cached narration, synthesising the rest ahead on a worker
(`SynthesisAhead`), starting the `Engine` once the phrases of the pre-roll are ready, pause and
resume, phrase steps, live pacing and mix changes, completion, stop, and waiting for the narrator
at the end (leaving while the voice is inside onnxruntime once aborted the process). When the output
device goes away mid-practice the practice pauses at the frame the listener had reached; the owner
is told, may ask for the output PortAudio now finds, and `continue_on` starts a new engine from
the kept frame: the session and its prepared phrases stay. Also: checking for any sound output.

Threads: every method here, and every `PlayerEvents` call, runs on one owner thread (the GUI
thread, or the command line's main thread). The workers (narrator, render, device checks) never
touch this object's state: they call the thread-safe `Session.accept_clip` and hand a function to
the owner's `Dispatcher.post`, which runs it on the owner thread. Why not tell the owner straight
from the workers: the decisions taken on that news (start the engine now the pre-roll is ready,
pause on a lost output) would race with the owner's own stop and seek; with one deciding thread no
lock is needed. A generation number in each message from a narrator worker lets news from a
cancelled one be dropped; news from an engine carries that engine.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from cft_desktop.errors import AudioDeviceError, CftError
from cft_desktop.lazy import Lazy
from cft_desktop.play.dispatch import Dispatcher
from cft_desktop.sound.settings import NO_DEVICE_MESSAGE, MixSettings

# The script parser (and yaml) and the sound side (numpy, pydub, PortAudio, the voice) are imported
# where they are first used: the command line and the window import this module before their first
# frame, and importing these up front more than doubled the time to that frame.
if TYPE_CHECKING:
    from cft_desktop.core.pacing import Pacing
    from cft_desktop.core.script import Script
    from cft_desktop.session import Session
    from cft_desktop.sound.clips import FloatArray
    from cft_desktop.sound.devices import OutputChoice
    from cft_desktop.sound.engine import Engine
    from cft_desktop.sound.mixer import SoundAssets
    from cft_desktop.voice.narrator import ClipRequest, Narrator, SynthesisAhead

log = logging.getLogger(__name__)

# The states a player reports, as plain strings (the same ones as cft_desktop.ui.common.states).
IDLE = "idle"
PREPARING = "preparing"
PLAYING = "playing"
PAUSED = "paused"

# Start the sound once the phrases of the first few seconds are ready ("the first phrase or two");
# the voice runs ~14x faster than real time, so it stays ahead from there.
PREROLL_S = 6.0
# After the last block is handed to the sound card it still has to come out of the speaker.
FINISH_DELAY_S = 0.7
# How long a PortAudio device check may hold up an engine start (they must not overlap).
PROBE_WAIT_S = 2.0

NARRATOR_FAILED_MESSAGE = (
    "The narrating voice could not be loaded, so nothing can play. Reinstalling CFT Desktop puts "
    "it back; your ratings and scripts are not affected."
)


class PlayerEvents:
    """What a player tells its owner, always on the owner's thread. Each does nothing here;
    an owner overrides those it cares about."""

    def on_state(self, state: str) -> None:
        """The state changed (IDLE, PREPARING, PLAYING or PAUSED)."""

    def on_prepared(self, done: int, total: int) -> None:
        """Narration progress; done >= total means nothing is being prepared any more."""

    def on_engine_started(self, carrying_on: bool) -> None:
        """Sound started (after on_state(PLAYING)); `carrying_on` after a lost output."""

    def on_finished(self, practice_id: str) -> None:
        """Played to the end; the player is idle again."""

    def on_cannot_start(self, message: str, error: BaseException) -> None:
        """The narrator or the sound files could not be loaded; nothing was started."""

    def on_narration_failed(self, error: Exception) -> None:
        """A phrase could not be prepared; the player has ended unless sound had begun."""

    def on_engine_failed(self, error: BaseException) -> None:
        """The render worker failed; the owner decides how to end."""

    def on_no_device(self, error: AudioDeviceError) -> None:
        """No output could be opened when the practice first started; the player has ended."""

    def on_device_lost(self, kept_frame: int) -> None:
        """The output went away; paused at `kept_frame`, the dead engine not yet closed
        (`look_for_next_output` closes it off this thread, `discard` on it)."""

    def on_next_output(self, output: OutputChoice | None) -> None:
        """After a lost output: the output to offer for carrying on (None: none was found)."""

    def on_outputs_checked(self, found: bool, message: str) -> None:
        """A `check_sound_output` finished; `message` says what is wrong when nothing was found."""

    def on_voice_note(self, message: str) -> None:
        """Before a practice in a recorded voice starts: which phrases the neural voice says
        instead (none recorded, or a take lost), or that the pack could not be opened."""


class Player:
    def __init__(
        self,
        narrator: Narrator | Lazy[Narrator],
        assets: SoundAssets | Lazy[SoundAssets],
        dispatcher: Dispatcher,
        events: PlayerEvents,
        *,
        device: int | str | None = None,
        preroll_s: float = PREROLL_S,
        finish_delay_s: float = FINISH_DELAY_S,
    ) -> None:
        """`device` names a PortAudio output outright (the command line's --device); without it
        the platform's default output is used. `preroll_s` seconds of narration must be ready
        before the sound starts (0: start at once and let the renderer wait)."""
        self._narrator = narrator if isinstance(narrator, Lazy) else Lazy.ready(narrator, "narrator")
        self._assets = assets if isinstance(assets, Lazy) else Lazy.ready(assets, "sound")
        self._dispatcher = dispatcher
        self._events = events
        self._device = device
        self._preroll_s = preroll_s
        self._finish_delay_s = finish_delay_s
        self._session: Session | None = None
        self._engine: Engine | None = None
        self._ahead: SynthesisAhead | None = None
        self._retired: list[SynthesisAhead] = []
        self._generation = 0
        self._state = IDLE
        self._autostart = False
        self._finishing = False
        self._from_line = 0
        self.start_frame = 0  # where the engine last started ("play from here" may start later)
        self._probe: threading.Thread | None = None
        # After the output device was lost: where to carry on, on which output (None: the default
        # when the engine starts), and the dead engine until someone closes it.
        self._resume_frame: int | None = None
        self._next_output: OutputChoice | None = None
        self._dead: Engine | None = None

    # -- read-only state ------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    def preload(self) -> None:
        """Start loading the sound side and the narrator in the background."""
        self._assets.start()
        self._narrator.start()

    @property
    def narrator(self) -> Narrator:
        return self._narrator.get()

    @property
    def assets(self) -> SoundAssets:
        return self._assets.get()

    @property
    def session(self) -> Session | None:
        return self._session

    @property
    def engine(self) -> Engine | None:
        return self._engine

    @property
    def practice_id(self) -> str:
        return self._session.script.id if self._session is not None else ""

    @property
    def device_lost_pending(self) -> bool:
        """A practice paused because its output went away, waiting to carry on."""
        return self._resume_frame is not None

    @property
    def begun(self) -> bool:
        """Sound has started for this practice (it may be paused by a lost output now)."""
        return self._engine is not None or self._resume_frame is not None

    def position_frame(self) -> int:
        if self._engine is not None:
            return self._engine.position_frame()
        return self._resume_frame if self._resume_frame is not None else 0

    def fraction_heard(self) -> float:
        if self._session is None or not self.begun:
            return 0.0
        total = self._session.total_frames
        return min(1.0, max(0.0, self.position_frame() / total)) if total > 0 else 0.0

    # -- control --------------------------------------------------------------------------------

    def start(self, script: Script, pacing: Pacing, mix: MixSettings, from_line: int = 0,
              voice: str = "") -> None:
        """Prepare `script` and play it as soon as the pre-roll is ready.

        With `from_line`, play from the phrase or cue on that script line (the editor's "play from
        here"): the phrases before it are prepared too, so its start frame is exact. With `voice`,
        the phrases recorded in that voice pack are spoken from it and the neural voice says the
        rest (`on_voice_note` says which, before anything plays).
        """
        from cft_desktop.session import Session

        self.discard()
        self._from_line = from_line
        try:
            narrator = self.narrator
        except Exception as exc:  # the voice package is missing or broken
            log.error("the narrator could not be set up", exc_info=exc)
            self._events.on_cannot_start(NARRATOR_FAILED_MESSAGE, exc)
            return
        try:
            assets = self.assets
        except Exception as exc:  # a missing or damaged installation file: nothing can play
            log.error("the sound files could not be loaded", exc_info=exc)
            name = getattr(exc, "filename", None)
            which = f" ({Path(name).name})" if name else ""
            self._events.on_cannot_start(
                f"CFT Desktop's own sound files could not be read{which}, so nothing can play. "
                "Reinstalling CFT Desktop puts them back; your ratings and scripts are not "
                "affected.",
                exc,
            )
            return
        from cft_desktop.voice.recorded_narrator import check_speakable

        if voice:
            narrator = self._recorded(voice, script, narrator)
        try:
            check_speakable(script, narrator)
        except CftError as exc:
            self._events.on_cannot_start(str(exc), exc)
            return
        # A copy: the mixer reads its settings on the render thread; set_mix writes them field by
        # field, and the caller's own object must not change under it.
        session = Session(script, pacing, narrator, assets, replace(mix))
        # Cached clips are taken here, on the owner's thread (under a millisecond a phrase), so a
        # practice heard before starts at once, with no "Preparing" bar flashing up.
        session.load_cached()
        self._session = session
        self._autostart = True
        self._finishing = False
        self._set_state(PREPARING)
        missing = session.missing()
        if missing:
            self._synthesise(missing, pacing.speech_length_scale)
        self._maybe_start_engine()

    def _recorded(self, voice: str, script: Script, neural: Narrator) -> Narrator:
        """`script` in the voice pack `voice`, falling back to `neural` phrase by phrase."""
        from cft_desktop.voice.recorded import VoicePack
        from cft_desktop.voice.recorded_narrator import RecordedNarrator

        try:
            recorded = RecordedNarrator(VoicePack.open(voice), script, neural)
            missing = recorded.neural_phrases()
        except CftError as exc:
            log.warning("the voice %r could not be opened: %s", voice, exc)
            self._events.on_voice_note(f"The recorded voice “{voice}” could not be opened, so "
                                       f"the usual voice speaks this practice. {exc}")
            return neural
        total = len(recorded.phrases)
        from cft_desktop.voice.languages import neural_speaks

        if not neural_speaks(script.language):
            return recorded  # all or nothing: `start` says what is missing, not a mix
        if missing and len(missing) == total:
            self._events.on_voice_note(f"“{script.title}” is not recorded in the voice "
                                       f"“{voice}” yet, so the usual voice speaks it.")
        elif missing:
            self._events.on_voice_note(
                f"Recorded voice “{voice}”: {total - len(missing)} of {total} phrases. The "
                f"usual voice says the other {len(missing)}.")
        return recorded

    def pause(self) -> None:
        if self._state == PLAYING and self._engine is not None:
            self._engine.pause()
            self._set_state(PAUSED)
        elif self._state == PREPARING:
            self._autostart = False
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self._state != PAUSED:
            return
        if self._engine is not None:
            self._engine.resume()
            self._set_state(PLAYING)
        else:
            self._autostart = True
            self._set_state(PREPARING)
            self._maybe_start_engine()

    def stop(self) -> tuple[str, float] | None:
        """Fade out and end the practice. Returns (practice id, fraction heard) if it had begun."""
        if self._session is None:
            return None
        practice = self._session.script.id
        heard = self.fraction_heard() if self.begun else None
        self.discard()
        return None if heard is None else (practice, heard)

    def discard(self) -> None:
        """End whatever is loaded without reporting it (a new practice replaces it)."""
        self._cancel_synthesis()
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.stop(fade=True)
        dead, self._dead = self._dead, None
        if dead is not None:
            dead.stop(fade=False)  # its stream has ended or stalled: nothing to fade
        self._session = None
        self._autostart = False
        self._finishing = False
        self._resume_frame = None
        self._next_output = None
        if self._state != IDLE:
            self._set_state(IDLE)

    def step_phrase(self, forward: bool) -> int | None:
        """Go to the next (or previous) phrase; returns the frame gone to, or None."""
        engine, session = self._engine, self._session
        if session is None or self._state not in (PLAYING, PAUSED):
            return None
        if engine is None and self._resume_frame is None:
            return None
        frame = self.position_frame()
        target = session.phrase_start_after(frame) if forward else session.phrase_start_before(frame)
        if target is None:
            return None
        if engine is None:
            self._resume_frame = target  # waiting for an output: carry on from there
        else:
            engine.seek(target)
        return target

    def set_pacing(self, pacing: Pacing) -> None:
        """Apply from the next breath or phrase boundary; a new speech rate re-synthesises."""
        session = self._session
        if session is None:
            return
        old_rate = session.pacing.speech_length_scale
        session.change_pacing(pacing)
        if pacing.speech_length_scale != old_rate:
            self._synthesise(session.missing(), pacing.speech_length_scale)

    def set_mix(self, mix: MixSettings) -> None:
        """Plain attribute writes; the mixer picks them up at its next block and ramps the gain."""
        session = self._session
        if session is None:
            return
        settings = session.mixer.settings
        settings.voice_gain_db = mix.voice_gain_db
        settings.cue_gain_db = mix.cue_gain_db
        settings.inhale_cue = mix.inhale_cue
        settings.exhale_cue = mix.exhale_cue
        settings.bell = mix.bell
        settings.ambient_gain_db = mix.ambient_gain_db
        settings.ambient = mix.ambient

    def continue_on(self, output: OutputChoice | None) -> None:
        """After a lost output: carry on from the kept frame on `output` (None: the default)."""
        if self._resume_frame is None:
            return
        self._next_output = output
        self.resume()

    def poll(self) -> int | None:
        """Owner's thread, every frame or so: the timeline frame heard now, from the audio clock.

        Also notices a lost output, a failed renderer and the end. Returns None when there is no
        engine (any more) to read.
        """
        engine = self._engine
        if engine is None:
            return None
        if engine.device_lost:
            self._on_engine_lost(engine)
            return None
        if engine.error is not None:
            self._events.on_engine_failed(engine.error)
            return None
        position = engine.position_frame()
        if engine.finished and not self._finishing:
            self._finishing = True
            self._dispatcher.call_later(self._finish_delay_s, lambda: self._complete(engine))
        return position

    def check_sound_output(self, reinitialise: bool = False) -> None:
        """Look for an output device on a worker thread; answers with `on_outputs_checked`.

        `reinitialise` makes PortAudio list devices afresh (one plugged in since start); only
        while no stream is open, because re-initialising closes every stream.
        """
        if self._probe is not None and self._probe.is_alive():
            return
        reinitialise = reinitialise and self._engine is None
        post = self._dispatcher.post
        events = self._events

        def probe() -> None:  # worker thread: only posted news
            found_any = False
            message = NO_DEVICE_MESSAGE
            try:
                if reinitialise:
                    import sounddevice

                    sounddevice._terminate()
                    sounddevice._initialize()
                from cft_desktop.sound.engine import output_devices

                found_any = bool(output_devices())
                message = "" if found_any else NO_DEVICE_MESSAGE
            except AudioDeviceError as exc:
                message = str(exc)
            except Exception:
                log.exception("checking for sound output failed")
            post(lambda: events.on_outputs_checked(found_any, message))

        self._probe = threading.Thread(target=probe, name="device-check", daemon=True)
        self._probe.start()

    def wait_for_device_check(self, timeout_s: float = 10.0) -> None:
        if self._probe is not None:
            self._probe.join(timeout_s)

    def look_for_next_output(self, play_when_found: bool) -> None:
        """After a lost output: re-read PortAudio's devices on a worker (an unplugged device stays
        listed until then; one just plugged in is missing). Carries on at once if
        `play_when_found` and one was found, else answers with `on_next_output`.

        The dead engine is closed there first, off the owner's thread, because closing a stream
        on a vanished device may wait on the driver."""
        if self._resume_frame is None:
            return
        if self._probe is not None and self._probe.is_alive():
            self._probe.join(PROBE_WAIT_S)
        dead, self._dead = self._dead, None
        post = self._dispatcher.post

        def probe() -> None:  # worker thread: only posted news
            choice: OutputChoice | None = None
            try:
                if dead is not None:
                    dead.stop(fade=False)
                import sounddevice

                from cft_desktop.sound.devices import current_default_output

                # No stream of ours is open now (the lost one was just closed), so
                # re-initialising closes nothing that is playing.
                sounddevice._terminate()
                sounddevice._initialize()
                choice = current_default_output(sounddevice)
            except Exception:
                log.exception("looking for another sound output failed")
            post(lambda: self._on_next_output(choice, play_when_found))

        self._probe = threading.Thread(target=probe, name="device-check", daemon=True)
        self._probe.start()

    def join_workers(self, timeout_s: float) -> None:
        """Wait up to `timeout_s` for each narrator worker left (the voice stops after the phrase
        in hand; leaving while it is inside onnxruntime aborts the process at exit)."""
        for ahead in self._retired:
            ahead.join(timeout_s)
        self._retired.clear()

    def shutdown(self, wait_s: float = 2.0) -> None:
        """Leaving: silence, stop the workers, wait briefly for them."""
        self.discard()
        self.wait_for_device_check(5.0)
        self.join_workers(wait_s)

    # -- internals ------------------------------------------------------------------------------

    def _set_state(self, state: str) -> None:
        self._state = state
        self._events.on_state(state)

    def _synthesise(self, requests: list[ClipRequest], rate: float) -> None:
        self._cancel_synthesis()
        session = self._session
        if session is None or not requests:
            self._events.on_prepared(0, 0)
            return
        self._generation += 1
        generation = self._generation
        post = self._dispatcher.post

        # These three run on the narrator worker thread.
        def on_ready(index: int, clip: FloatArray) -> None:
            session.accept_clip(index, clip, rate)
            post(lambda: self._on_clip_ready(generation))

        def on_progress(done: int, total: int) -> None:
            post(lambda: self._on_progress(generation, done, total))

        def on_error(exc: Exception) -> None:
            post(lambda: self._on_narration_failed(generation, exc))

        from cft_desktop.voice.narrator import SynthesisAhead

        self._ahead = SynthesisAhead(session.narrator, requests, rate, on_ready, on_progress,
                                     on_error)
        self._events.on_prepared(0, len(requests))
        self._ahead.start()

    def _cancel_synthesis(self) -> None:
        # Dropping the generation makes anything already queued from the old worker stale.
        self._generation += 1
        if self._ahead is not None:
            self._ahead.cancel()
            self._retired = [a for a in self._retired if not a.done.is_set()]
            self._retired.append(self._ahead)
            self._ahead = None
            self._events.on_prepared(0, 0)

    def _maybe_start_engine(self) -> None:
        session = self._session
        if session is None or self._engine is not None or not self._autostart:
            return
        from cft_desktop.core.user_scripts import start_frame_for_line
        from cft_desktop.sound.engine import Engine

        carrying_on = self._resume_frame is not None
        if self._resume_frame is not None:
            start_frame = self._resume_frame
        else:
            start_frame = start_frame_for_line(session.script, session.timeline, self._from_line)
        if not session.ready_through(start_frame + round(self._preroll_s * session.sample_rate)):
            return
        if self._probe is not None:
            # PortAudio calls must not overlap; the check takes a few milliseconds.
            self._probe.join(PROBE_WAIT_S)
        engine = Engine(session, device=self._device, output=self._next_output)
        post = self._dispatcher.post
        engine.on_device_lost = lambda: post(lambda: self._on_engine_lost(engine))  # render worker
        try:
            engine.start(start_frame)
        except AudioDeviceError as exc:
            log.warning("no sound output: %s", exc)
            engine.stop(fade=False)
            if carrying_on:
                # The practice stays paused at its place; the owner offers what was found.
                self._autostart = False
                self._set_state(PAUSED)
                self._next_output = None
                self._events.on_next_output(None)
                return
            self.discard()
            self._events.on_no_device(exc)
            return
        self._engine = engine
        self._resume_frame = None
        self.start_frame = start_frame
        self._set_state(PLAYING)
        self._events.on_engine_started(carrying_on)

    def _on_engine_lost(self, engine: Engine) -> None:
        """The engine's output went away: pause at its kept frame and tell the owner."""
        if engine is not self._engine:
            return  # already handled, or an engine stopped meanwhile
        if engine.finished:
            self._complete(engine)  # all of it was handed over; only the last echo was lost
            return
        kept = engine.kept_frame
        log.warning("the sound output went away (%s) at frame %d; paused there",
                    engine.lost_reason, kept)
        self._engine = None
        self._dead = engine
        self._resume_frame = kept
        self._next_output = None
        self._autostart = False
        self._finishing = False
        self._set_state(PAUSED)
        self._events.on_device_lost(kept)

    def _complete(self, engine: Engine) -> None:
        if engine is not self._engine or self._session is None:
            return  # stopped or replaced meanwhile
        practice = self._session.script.id
        self.discard()
        self._events.on_finished(practice)

    # -- news from the workers, run on the owner's thread ---------------------------------------

    def _on_clip_ready(self, generation: int) -> None:
        if generation == self._generation:
            self._maybe_start_engine()

    def _on_progress(self, generation: int, done: int, total: int) -> None:
        if generation != self._generation:
            return
        self._events.on_prepared(done, total)
        if done >= total:
            self._ahead = None

    def _on_narration_failed(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        log.error("narration could not be prepared", exc_info=error)
        self._ahead = None
        self._events.on_prepared(0, 0)
        if self._engine is None:
            self.discard()
        self._events.on_narration_failed(error)

    def _on_next_output(self, output: OutputChoice | None, play_when_found: bool) -> None:
        if self._resume_frame is None or self._engine is not None:
            return  # carried on, stopped or replaced meanwhile
        if play_when_found and output is not None:
            self.continue_on(output)
            return
        self._next_output = output
        self._events.on_next_output(output)
