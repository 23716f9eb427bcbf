"""The sound-asset generator and the committed files in audio/ that it produced."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from numpy.typing import NDArray

from cft_desktop.paths import audio_dir
from cft_desktop.sound import assets_gen

SAMPLE_RATE_HZ = 22050
NARRATION_RMS_DBFS = -20.0
LEVEL_TOLERANCE_DB = 2.0

CUES = {"cue_inhale.wav": 1.2, "cue_exhale.wav": 1.5}
BELL = {"bell.wav": 4.0}
BEDS = {"ambient_rain.wav": 30.0, "ambient_drone.wav": 30.0, "ambient_waves.wav": 30.0}
DURATIONS_S = {**CUES, **BELL, **BEDS}

Samples = NDArray[np.float64]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out_dir = tmp_path_factory.mktemp("audio")
    return {path.name: path for path in assets_gen.generate_all(out_dir)}


def _read(path: Path) -> Samples:
    samples, rate = sf.read(path, dtype="float64", always_2d=True)
    assert rate == SAMPLE_RATE_HZ
    assert samples.shape[1] == 1, "assets must be mono"
    mono: Samples = samples[:, 0]
    return mono


def _db(power: float) -> float:
    return float(10.0 * np.log10(power))


def _rms_dbfs(x: Samples) -> float:
    return _db(float(np.mean(np.square(x))))


def _peak_dbfs(x: Samples) -> float:
    return float(20.0 * np.log10(np.max(np.abs(x))))


def _sounding_rms_dbfs(x: Samples) -> float:
    # RMS of the 20 ms frames within 20 dB of the loudest, i.e. ignoring the fades.
    frame = SAMPLE_RATE_HZ // 50
    frames = x[: len(x) // frame * frame].reshape(-1, frame)
    power = np.mean(np.square(frames), axis=1)
    return _db(float(np.mean(power[power >= power.max() / 100.0])))


def _dominant_hz(x: Samples) -> float:
    size = 1 << 16  # zero-padded: ~0.3 Hz bins, far finer than the glide
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), size))
    return float(np.fft.rfftfreq(size, 1.0 / SAMPLE_RATE_HZ)[np.argmax(spectrum)])


def test_generate_all_writes_every_asset(generated: dict[str, Path]) -> None:
    assert set(generated) == set(DURATIONS_S)


@pytest.mark.parametrize("name", sorted(DURATIONS_S))
def test_committed_file_matches_its_generator(generated: dict[str, Path], name: str) -> None:
    committed = audio_dir() / name
    assert committed.is_file(), f"run python -m cft_desktop.sound.assets_gen to create {name}"
    assert committed.read_bytes() == generated[name].read_bytes(), (
        f"audio/{name} has drifted from its generator; regenerate it"
    )


def test_cli_regenerates_identical_bytes(generated: dict[str, Path], tmp_path: Path) -> None:
    assert assets_gen.main(["--out", str(tmp_path)]) == 0
    for name, path in generated.items():
        assert (tmp_path / name).read_bytes() == path.read_bytes(), name


@pytest.mark.parametrize("name", sorted(DURATIONS_S))
def test_format_and_duration(generated: dict[str, Path], name: str) -> None:
    info = sf.info(generated[name])
    assert (info.format, info.subtype) == ("WAV", "PCM_16")
    assert info.channels == 1
    assert info.samplerate == SAMPLE_RATE_HZ
    assert info.frames == round(DURATIONS_S[name] * SAMPLE_RATE_HZ)


@pytest.mark.parametrize("name", sorted(DURATIONS_S))
def test_no_clipping_no_dc(generated: dict[str, Path], name: str) -> None:
    x = _read(generated[name])
    assert np.max(np.abs(x)) < 0.5
    rms = np.sqrt(np.mean(np.square(x)))
    assert abs(np.mean(x)) < 0.01 * rms
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    sub_audio = spectrum[np.fft.rfftfreq(len(x), 1.0 / SAMPLE_RATE_HZ) < 20.0].sum()
    assert sub_audio < 1e-3 * spectrum.sum(), "low-frequency drift"


@pytest.mark.parametrize("build", list(assets_gen.ASSETS.values()))
def test_builders_return_finite_float32(build: Callable[[], NDArray[np.float32]]) -> None:
    x = build()
    assert x.dtype == np.float32
    assert x.ndim == 1
    assert np.all(np.isfinite(x))
    assert np.max(np.abs(x)) < 1.0


@pytest.mark.parametrize("name", sorted({**CUES, **BELL}))
def test_cues_and_bell_start_and_end_on_silence(generated: dict[str, Path], name: str) -> None:
    x = _read(generated[name])
    assert x[0] == 0.0
    assert x[-1] == 0.0
    peak = np.max(np.abs(x))
    edge = SAMPLE_RATE_HZ // 200  # 5 ms
    assert np.max(np.abs(x[:edge])) < 0.1 * peak, "onset would click"
    assert np.max(np.abs(x[-edge:])) < 0.01 * peak, "ending would click"


@pytest.mark.parametrize("name", sorted(CUES))
def test_cue_levels_sit_well_under_the_voice(generated: dict[str, Path], name: str) -> None:
    x = _read(generated[name])
    rms = _sounding_rms_dbfs(x)
    assert abs(rms - assets_gen.CUE_RMS_DBFS) <= LEVEL_TOLERANCE_DB
    assert rms <= NARRATION_RMS_DBFS - 12.0
    assert _peak_dbfs(x) <= -27.0


@pytest.mark.parametrize("name", sorted(CUES))
def test_cue_attack_is_slow(generated: dict[str, Path], name: str) -> None:
    x = _read(generated[name])
    # A >= 120 ms raised-cosine attack is still under half amplitude at 60 ms.
    assert np.max(np.abs(x[: SAMPLE_RATE_HZ * 60 // 1000])) < 0.5 * np.max(np.abs(x))


def test_inhale_rises_and_exhale_falls(generated: dict[str, Path]) -> None:
    inhale = _read(generated["cue_inhale.wav"])
    exhale = _read(generated["cue_exhale.wav"])
    third_in, third_ex = len(inhale) // 3, len(exhale) // 3
    assert _dominant_hz(inhale[-third_in:]) > 1.15 * _dominant_hz(inhale[:third_in])
    assert _dominant_hz(exhale[-third_ex:]) < _dominant_hz(exhale[:third_ex]) / 1.15
    for hz in (_dominant_hz(inhale[:third_in]), _dominant_hz(exhale[-third_ex:])):
        assert 180.0 <= hz <= 400.0, "cues belong in the low-mid register"


def test_bell_level_and_decay(generated: dict[str, Path]) -> None:
    x = _read(generated["bell.wav"])
    assert abs(_peak_dbfs(x) - assets_gen.BELL_PEAK_DBFS) <= LEVEL_TOLERANCE_DB
    half_s = SAMPLE_RATE_HZ // 2
    assert _rms_dbfs(x[-half_s:]) < _rms_dbfs(x[:half_s]) - 30.0, "must ring down to silence"
    # A soft strike: the peak is reached over several milliseconds, not in one sample.
    assert np.max(np.abs(x[: SAMPLE_RATE_HZ // 200])) < 0.5 * np.max(np.abs(x))


@pytest.mark.parametrize("name", sorted(BEDS))
def test_bed_level(generated: dict[str, Path], name: str) -> None:
    x = _read(generated[name])
    assert abs(_rms_dbfs(x) - assets_gen.BED_RMS_DBFS) <= LEVEL_TOLERANCE_DB
    assert _rms_dbfs(x) <= NARRATION_RMS_DBFS - 12.0


@pytest.mark.parametrize("name", sorted(BEDS))
def test_bed_loops_without_a_jump(generated: dict[str, Path], name: str) -> None:
    x = _read(generated[name])
    seam_step = abs(x[0] - x[-1])
    assert seam_step <= np.percentile(np.abs(np.diff(x)), 99.9)


@pytest.mark.parametrize("name", sorted(BEDS))
def test_bed_loudness_is_steady_across_the_seam(generated: dict[str, Path], name: str) -> None:
    x = _read(generated[name])
    second = SAMPLE_RATE_HZ
    # Three adjacent 1 s windows of the loop played twice: before, across, after the seam.
    looped = np.concatenate([x[-3 * second // 2 :], x[: 3 * second // 2]])
    before, across, after = (_rms_dbfs(looped[i * second : (i + 1) * second]) for i in range(3))
    assert abs(across - before) <= 1.0
    assert abs(across - after) <= 1.0


def test_loop_crossfade_continues_the_signal_at_the_seam() -> None:
    rng = np.random.default_rng(1)
    loop, fade = 10_000, 2_000
    x = rng.standard_normal(loop + fade)
    y = assets_gen._loop_with_crossfade(x, loop, fade)
    assert len(y) == loop
    # Playing end-to-start continues the original: y[-1], y[0] are x[loop-1], x[loop].
    assert y[-1] == x[loop - 1]
    assert y[0] == x[loop]
    assert np.array_equal(y[fade:], x[fade:loop])
    # Equal power: uncorrelated noise keeps its level through the crossfade.
    assert abs(_rms_dbfs(y[:fade]) - _rms_dbfs(x[fade:loop])) < 0.5
