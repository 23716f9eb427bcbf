"""Scripts > Save as audio…: the chosen practice saved at the side panel's pacing and mix, on a
worker, with progress, Cancel and calm messages. Real window, session, mixer and files; only the
voice (the quick stand-in) and the file chooser (`TakeHome.ask_path`) are replaced.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from cft_desktop.session import Session
from cft_desktop.sound import export
from cft_desktop.sound.clips import SAMPLE_RATE
from cft_desktop.ui.scripts.take_home import FILE_KINDS, Cancelled, Failed, Saved, TakeHome
from cft_desktop.ui.window.main_window import MainWindow
from cft_desktop.voice.cache import ClipCache
from cft_desktop.voice.narrator import Narrator
from tests.ui.conftest import BREATH_SCRIPT, BROKEN_USER_SCRIPT, MakeWindow, ToneVoice, UserDirs, write_script

RENDER_TIMEOUT_MS = 30_000

@pytest.fixture
def window(make_window: MakeWindow, user_dirs: UserDirs) -> MainWindow:
    write_script(user_dirs.scripts, "test-breath.md", BREATH_SCRIPT)
    window = make_window(ratings=False)
    assert window.library_view.select("test-breath")
    return window


def _take_home(window: MainWindow) -> TakeHome:
    return window.script_editing.take_home


def _save(qtbot: object, window: MainWindow, target: Path) -> object:
    """Trigger the menu action with `target` chosen; the outcome once the worker has stopped."""
    take_home = _take_home(window)
    take_home.ask_path = lambda _suggested: target
    with qtbot.waitSignal(take_home.finished, timeout=RENDER_TIMEOUT_MS) as blocker:  # type: ignore[attr-defined]
        window.script_editing.save_audio_action.trigger()
    assert not take_home.busy
    return blocker.args[0]


def _expected_session(window: MainWindow) -> Session:
    """The session the client would hear now, built independently (its narration is cached)."""
    entry = window.library_view.current_entry()
    assert entry is not None and entry.script is not None
    panel, playback = window.pacing_panel, window.playback
    session = Session(entry.script, panel.pacing(), playback.narrator, playback.assets, panel.mix())
    assert session.load_cached() == len(session.spoken)
    assert not session.missing()
    return session


def _mixed(session: Session) -> npt.NDArray[np.float32]:
    total = session.timeline.total_frames
    out = np.zeros(total, dtype=np.float32)
    session.mixer.render(0, out)
    return out


def _calm_messages() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def _close_messages() -> None:
    for box in _calm_messages():
        box.accept()


def test_the_action_is_in_the_scripts_menu_with_a_mnemonic_and_a_tip(window: MainWindow) -> None:
    action = window.script_editing.save_audio_action
    assert action in window.script_editing.menu.actions()
    assert action.text() == "Save as &audio…"
    assert "sound file" in action.toolTip() and action.statusTip() == action.toolTip()
    assert action in window.library_view.list.actions()  # the library's context menu too
    assert action.isEnabled()
    # Every kind offered can be written by the exporter; MP3 (any phone plays it) comes first.
    assert FILE_KINDS[0][0] == ".mp3"
    assert {suffix for suffix, _label in FILE_KINDS} == set(export.FORMATS)


def test_saves_what_the_client_would_hear_at_the_panel_pacing(
    qtbot: object, window: MainWindow, tmp_path: Path
) -> None:
    take_home = _take_home(window)
    suggested: list[Path] = []
    target = tmp_path / "out" / "test-breath.mp3"
    target.parent.mkdir()

    def choose(path: Path) -> Path:
        suggested.append(path)
        return target

    take_home.ask_path = choose
    with qtbot.waitSignal(take_home.finished, timeout=RENDER_TIMEOUT_MS) as blocker:  # type: ignore[attr-defined]
        window.script_editing.save_audio_action.trigger()
    outcome = blocker.args[0]
    assert suggested and suggested[0].name == "test-breath.mp3"
    assert isinstance(outcome, Saved) and outcome.path == target
    expected = _expected_session(window)
    total = expected.timeline.total_frames
    assert outcome.frames == total
    audio, rate = soundfile.read(target, dtype="float32")
    assert rate == SAMPLE_RATE and len(audio) == total
    assert float(np.sqrt(np.mean(audio**2))) > 0.01, "the file is silent"
    assert sorted(p.name for p in target.parent.iterdir()) == ["test-breath.mp3"]  # no .part left
    minutes, seconds = divmod(round(total / SAMPLE_RATE), 60)
    text = f"Saved test-breath.mp3 ({minutes} min {seconds:02d} s)."
    (box,) = _calm_messages()
    assert box.text() == text and str(target.parent) in box.informativeText()
    assert window.statusBar().currentMessage() == text
    box.accept()

    # Slower breathing in the panel: a longer file, sample for sample what the mixer plays (WAV
    # keeps the mixer's float samples exactly).
    panel = window.pacing_panel
    panel.bpm.setValue(4.0)
    assert panel.pacing().bpm == 4.0
    slower = tmp_path / "out" / "slower.wav"
    outcome = _save(qtbot, window, slower)
    assert isinstance(outcome, Saved)
    expected = _expected_session(window)
    audio, _rate = soundfile.read(slower, dtype="float32")
    assert len(audio) == expected.timeline.total_frames == outcome.frames
    assert len(audio) > total + 10 * SAMPLE_RATE
    assert float(np.abs(audio - _mixed(expected)).max()) < 1e-6
    _close_messages()


@pytest.mark.realtime
def test_cancel_leaves_no_file_and_playing_goes_on(
    qtbot: object, sound_output: Path, window: MainWindow, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    take_home = _take_home(window)
    # The save is held after its first block until the test has seen it half-way: waiting on that
    # state, not on small blocks being slow enough, holds on a loaded machine (a fresh 2-core one
    # once finished the whole save before the dialog's 0.5 s delay had passed).
    monkeypatch.setattr(export, "EXPORT_BLOCK_FRAMES", 4096)
    first_block_written = threading.Event()
    release = threading.Event()
    real_export = export.export_session

    def held_export(session: Session, out_path: Path,
                    on_progress: Callable[[int, int], None] | None = None,
                    tags: dict[str, str] | None = None) -> int:
        def progress(done: int, total: int) -> None:
            if on_progress is not None:
                on_progress(done, total)
            first_block_written.set()
            release.wait(RENDER_TIMEOUT_MS / 1000)

        return real_export(session, out_path, progress, tags)

    monkeypatch.setattr(export, "export_session", held_export)
    window.practice.play()
    qtbot.waitUntil(lambda: window.playback.state == "playing", timeout=20_000)  # type: ignore[attr-defined]
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "test-breath.mp3"
    take_home.ask_path = lambda _suggested: target
    window.script_editing.save_audio_action.trigger()
    assert take_home.busy

    def saving_shown() -> bool:
        dialog = take_home.progress
        return (dialog is not None and dialog.isVisible()
                and dialog.labelText().startswith("Saving test-breath.mp3… "))

    try:
        assert first_block_written.wait(RENDER_TIMEOUT_MS / 1000)
        qtbot.waitUntil(saving_shown, timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]
    except BaseException:
        release.set()
        raise
    assert window.playback.state == "playing"  # the GUI thread was never held up
    partial = [p.name for p in folder.iterdir()]
    assert len(partial) == 1 and partial[0].endswith(".mp3.part")
    dialog = take_home.progress
    assert dialog is not None
    (cancel,) = dialog.findChildren(QPushButton)
    assert cancel.text() == "Cancel"
    with qtbot.waitSignal(take_home.finished, timeout=5_000) as blocker:  # type: ignore[attr-defined]
        cancel.click()
        release.set()  # the next block's progress report sees Cancel
    assert isinstance(blocker.args[0], Cancelled)
    assert list(folder.iterdir()) == []
    assert not _calm_messages()
    assert window.statusBar().currentMessage() == "Stopped. Nothing was saved."
    # Playing was not disturbed and still moves on.
    assert window.playback.state == "playing"
    frame = window.playback.position_frame()
    qtbot.waitUntil(lambda: window.playback.position_frame() > frame + SAMPLE_RATE // 2,  # type: ignore[attr-defined]
                    timeout=5_000)
    window.practice.stop()


def test_progress_says_what_it_does_and_cancel_stops_after_the_phrase_in_hand(
    qtbot: object, make_window: MakeWindow, user_dirs: UserDirs, tmp_path: Path
) -> None:
    gate = threading.Event()
    voice = ToneVoice(gate, free_calls=1)  # the second phrase waits for the gate
    write_script(user_dirs.scripts, "test-breath.md", BREATH_SCRIPT)
    window = make_window(ratings=False,
                         narrator=Narrator(voice, ClipCache(user_dirs.cache / "narration")))
    assert window.library_view.select("test-breath")
    take_home = _take_home(window)
    target = tmp_path / "test-breath.ogg"
    take_home.ask_path = lambda _suggested: target
    try:
        window.script_editing.save_audio_action.trigger()
        dialog = take_home.progress
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.isVisible()  # type: ignore[attr-defined]
                        and dialog.labelText() == "Preparing narration 1 of 2\n"
                        "About 1 minute at this pace", timeout=5_000)
        assert dialog.value() == 1 and dialog.maximum() == 2
        # The window answers meanwhile: another practice can be chosen.
        practices = [row for kind, row, _ in window.library_view.rows() if kind == "practice"]
        assert window.library_view.select(practices[-1])
        with qtbot.waitSignal(take_home.finished, timeout=5_000) as blocker:  # type: ignore[attr-defined]
            take_home.cancel()
            assert take_home.progress is None and not dialog.isVisible()
            gate.set()
    finally:
        gate.set()
    assert isinstance(blocker.args[0], Cancelled)
    assert len(voice.calls) == 2  # stopped at once after the phrase it was speaking
    assert list(tmp_path.glob("test-breath*")) == []


def test_closing_the_window_mid_save_stops_it_and_leaves_no_file(
    qtbot: object, make_window: MakeWindow, user_dirs: UserDirs, tmp_path: Path
) -> None:
    gate = threading.Event()
    write_script(user_dirs.scripts, "test-breath.md", BREATH_SCRIPT)
    window = make_window(ratings=False, narrator=Narrator(
        ToneVoice(gate, free_calls=1), ClipCache(user_dirs.cache / "narration")))
    assert window.library_view.select("test-breath")
    take_home = _take_home(window)
    take_home.ask_path = lambda _suggested: tmp_path / "test-breath.wav"
    window.script_editing.save_audio_action.trigger()
    qtbot.waitUntil(lambda: take_home.progress is not None  # type: ignore[attr-defined]
                    and take_home.progress.labelText().startswith("Preparing"), timeout=5_000)
    # The phrase in hand finishes a moment after the close began waiting for it.
    threading.Timer(0.3, gate.set).start()
    try:
        assert window.close()
    finally:
        gate.set()
    assert take_home.wait(0)  # the worker has already stopped
    assert "take-home" not in [t.name for t in threading.enumerate()]
    assert list(tmp_path.glob("test-breath*")) == []


@pytest.fixture
def unwritable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder nobody may write in: read-only, and immutable too when running as root."""
    if sys.platform == "win32":
        pytest.skip("a read-only folder is made here with POSIX modes and chattr")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = False
    if os.geteuid() == 0:  # root ignores the mode bits
        immutable = subprocess.run(["chattr", "+i", str(folder)], capture_output=True,
                                   check=False).returncode == 0
    try:
        (folder / "probe").touch()
    except OSError:
        pass
    else:
        # No way to lock it here (e.g. root on a file system without chattr): the OS's answer,
        # as mkstemp would give it, stands in.
        (folder / "probe").unlink()

        mkstemp = tempfile.mkstemp

        def refuse(*args: object, **kwargs: object) -> object:
            if Path(str(kwargs.get("dir"))) == folder:
                raise PermissionError(13, "Permission denied", str(folder))
            return mkstemp(*args, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    yield folder
    if immutable:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o755)


def test_an_unwritable_folder_gives_a_calm_message_and_no_file(
    qtbot: object, window: MainWindow, unwritable_folder: Path
) -> None:
    outcome = _save(qtbot, window, unwritable_folder / "test-breath.mp3")
    assert isinstance(outcome, Failed)
    (box,) = _calm_messages()
    assert "test-breath.mp3 was not saved" in box.text()
    assert "does not allow saving" in box.text()
    assert "Choose another folder" in box.informativeText()
    assert "Traceback" not in box.text() + box.informativeText()
    assert list(unwritable_folder.iterdir()) == []
    box.accept()


def test_an_unknown_kind_of_file_is_refused_in_plain_words(
    qtbot: object, window: MainWindow, tmp_path: Path
) -> None:
    take_home = _take_home(window)
    take_home.ask_path = lambda _suggested: tmp_path / "session.m4a"
    window.script_editing.save_audio_action.trigger()
    assert not take_home.busy
    (box,) = _calm_messages()
    assert "session.m4a was not saved" in box.text() and ".mp3" in box.text()
    assert list(tmp_path.glob("session*")) == []
    box.accept()


def test_the_action_is_disabled_for_a_broken_entry(
    make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    bad = write_script(user_dirs.scripts, "my-bad-practice.md", BROKEN_USER_SCRIPT)
    window = make_window(ratings=False)
    action = window.script_editing.save_audio_action
    assert window.library_view.select(str(bad))
    assert not action.isEnabled()
    take_home = _take_home(window)
    take_home.ask_path = lambda _suggested: pytest.fail("no file should be asked for")
    assert take_home.save_current() is False
    practices = [row for kind, row, _ in window.library_view.rows() if kind == "practice"]
    assert window.library_view.select(practices[0])
    assert action.isEnabled()


# -- what the file says about itself, and how long it will be ------------------------------------


def _id3_frames(path: Path) -> dict[str, str]:
    """The text frames of an MP3's ID3v2.3 tag, read from its bytes (no tag library is installed
    here: neither mutagen nor ffprobe), so the MP3 check does not rest on libsndfile reading back
    what libsndfile wrote."""
    data = path.read_bytes()
    assert data[:3] == b"ID3" and data[3] == 3, data[:10]
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | byte
    frames: dict[str, str] = {}
    at, end = 10, 10 + size
    while at + 10 <= end and data[at:at + 4].strip(b"\0"):
        name = data[at:at + 4].decode("ascii")
        length = int.from_bytes(data[at + 4:at + 8], "big")
        body = data[at + 10:at + 10 + length]
        at += 10 + length
        encoding, text = body[0], body[1:]
        if name == "COMM":
            text = text[3:].split(b"\0", 1)[1]  # language, then a short description
        codec = {0: "latin-1", 1: "utf-16"}[encoding]
        frames[name] = text.decode(codec).rstrip("\0")
    return frames


def _tags(path: Path) -> dict[str, str]:
    with soundfile.SoundFile(path) as sound:
        return {"title": sound.title, "artist": sound.artist, "comment": sound.comment}


@pytest.mark.parametrize("suffix", [".mp3", ".ogg", ".flac", ".wav"])
def test_the_file_is_tagged_with_the_practice_the_voice_and_the_pacing(
    qtbot: object, window: MainWindow, tmp_path: Path, suffix: str
) -> None:
    panel = window.pacing_panel
    assert panel.pacing().bpm == 6.0 and panel.pacing().ratio_text == "2:3"
    target = tmp_path / f"test-breath{suffix}"
    assert isinstance(_save(qtbot, window, target), Saved)
    _close_messages()
    expected = {"title": "Test breathing", "artist": "CFT Desktop voice",
                "comment": "6 breaths a minute, in:out 2:3, pauses ×1.0"}
    if suffix == ".mp3":
        # ID3 as libsndfile writes it holds ASCII only; "×" is written as "x".
        expected["comment"] = "6 breaths a minute, in:out 2:3, pauses x1.0"
        assert _id3_frames(target) | {"TSSE": ""} == {
            "TIT2": expected["title"], "TPE1": expected["artist"], "COMM": expected["comment"],
            "TSSE": ""}
    assert _tags(target) == expected

    # Slower, with holds and longer pauses: the comment says so.
    panel.bpm.setValue(4.0)
    panel.hold_in.setValue(1.0)
    panel.pause_scale.setValue(1.5)
    assert (panel.pacing().hold_in_s, panel.pacing().pause_scale) == (1.0, 1.5)
    slower = tmp_path / f"slower{suffix}"
    assert isinstance(_save(qtbot, window, slower), Saved)
    _close_messages()
    comment = _tags(slower)["comment"]
    times = "x" if suffix == ".mp3" else "×"
    assert comment == f"4 breaths a minute, in:out 2:3, holds 1 s and 0 s, pauses {times}1.5"


def test_a_file_in_a_recorded_voice_names_the_voice(
    qtbot: object, make_window: MakeWindow, user_dirs: UserDirs, tmp_path: Path
) -> None:
    from cft_desktop.voice.recorded import VoicePack

    rate = 44100
    take = (0.1 * np.sin(np.arange(rate) / rate * 2 * np.pi * 300)).astype(np.float32)
    VoicePack.create("Dr Lee").add_take("test-breath", "Breathe with the circle.", take, rate)
    write_script(user_dirs.scripts, "test-breath.md", BREATH_SCRIPT)
    window = make_window(ratings=False)
    assert window.library_view.select("test-breath")
    assert window.pacing_panel.set_voice("Dr Lee")
    target = tmp_path / "test-breath.ogg"
    outcome = _save(qtbot, window, target)
    assert isinstance(outcome, Saved) and outcome.sample_rate == rate
    (box,) = _calm_messages()
    minutes, seconds = divmod(round(outcome.frames / rate), 60)
    assert box.text() == f"Saved test-breath.ogg ({minutes} min {seconds:02d} s)."
    _close_messages()
    assert _tags(target)["artist"] == "Dr Lee"
    assert _tags(target)["title"] == "Test breathing"
    # The take-home file keeps the recorded voice's own rate.
    info = soundfile.info(str(target))
    assert info.samplerate == rate and info.frames == outcome.frames


def test_the_length_at_the_panel_pacing_is_shown_while_choosing_and_saving(
    qtbot: object, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cft_desktop.ui.scripts import take_home as module

    captions: list[str] = []

    def no_file_chosen(_parent: object, caption: str, _folder: str, _filters: str
                       ) -> tuple[str, str]:
        captions.append(caption)
        return "", ""

    monkeypatch.setattr(module.QFileDialog, "getSaveFileName", no_file_chosen)
    take_home = _take_home(window)
    # The real file chooser, answered with no file: it said how long the file would be.
    window.script_editing.save_audio_action.trigger()
    assert not take_home.busy
    assert captions == ["Save the practice as audio (about 1 minute at this pace)"]
    # The library's "1 min" holds at the default pace only; slower breathing makes it longer.
    window.pacing_panel.bpm.setValue(4.0)
    window.script_editing.save_audio_action.trigger()
    assert captions[-1] == "Save the practice as audio (about 2 minutes at this pace)"

    # And while saving, under what it is doing.
    target = tmp_path / "test-breath.wav"
    take_home.ask_path = lambda _suggested: target
    with qtbot.waitSignal(take_home.finished, timeout=RENDER_TIMEOUT_MS):  # type: ignore[attr-defined]
        window.script_editing.save_audio_action.trigger()
        dialog = take_home.progress
        assert dialog is not None
        assert dialog.labelText().split("\n") == ["Getting ready…", "About 2 minutes at this pace"]
    _close_messages()
    # The estimate is near what was written (phrase lengths are estimated from their words).
    written = soundfile.info(target).duration
    assert abs(written - module.estimated_seconds(
        window.library_view.current_entry().script, window.pacing_panel.pacing())) < 30
