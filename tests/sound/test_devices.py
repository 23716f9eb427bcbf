"""The default output per platform, from the shapes of `query_hostapis()` and `query_devices()`
as sounddevice returns them on each platform; and that a WASAPI choice reaches PortAudio with
Windows' sample-rate conversion asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cft_desktop.errors import AudioDeviceError
from cft_desktop.sound.devices import WASAPI, OutputChoice, choose_default_output


def _device(name: str, hostapi: int, outputs: int, inputs: int = 0) -> dict[str, Any]:
    return {"name": name, "index": -1, "hostapi": hostapi, "max_input_channels": inputs,
            "max_output_channels": outputs, "default_samplerate": 48000.0}


def _indexed(devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(device, index=index) for index, device in enumerate(devices)]


# A Windows 11 laptop with headphones as the Windows default: each device is listed once per host
# API, MME first. PortAudio's default output is MME's "Microsoft Sound Mapper".
WINDOWS_DEVICES = _indexed([
    _device("Microsoft Sound Mapper - Input", 0, 0, 2),
    _device("Microsoft Sound Mapper - Output", 0, 2),
    _device("Headphones (Realtek(R) Audio)", 0, 2),
    _device("Speakers (Realtek(R) Audio)", 0, 2),
    _device("Primary Sound Driver", 1, 2),
    _device("Headphones (Realtek(R) Audio)", 1, 2),
    _device("Speakers (Realtek(R) Audio)", 1, 2),
    _device("Headphones (Realtek(R) Audio)", 2, 2),
    _device("Speakers (Realtek(R) Audio)", 2, 2),
    _device("Microphone Array (Realtek(R) Audio)", 2, 0, 2),
    _device("Speakers (Realtek HD Audio output)", 3, 2),
])


def _windows_host_apis(wasapi_default: int) -> list[dict[str, Any]]:
    return [
        {"name": "MME", "devices": [0, 1, 2, 3], "default_input_device": 0,
         "default_output_device": 1},
        {"name": "Windows DirectSound", "devices": [4, 5, 6], "default_input_device": -1,
         "default_output_device": 4},
        {"name": WASAPI, "devices": [7, 8, 9], "default_input_device": 9,
         "default_output_device": wasapi_default},
        {"name": "Windows WDM-KS", "devices": [10], "default_input_device": -1,
         "default_output_device": 10},
    ]


MAC_DEVICES = _indexed([
    _device("MacBook Pro Microphone", 0, 0, 1),
    _device("MacBook Pro Speakers", 0, 2),
    _device("AirPods Pro", 0, 2, 1),
])
MAC_HOST_APIS = [{"name": "Core Audio", "devices": [0, 1, 2], "default_input_device": 0,
                  "default_output_device": 2}]

LINUX_DEVICES = _indexed([
    _device("HDA Intel PCH: ALC257 Analog (hw:0,0)", 0, 2, 2),
    _device("HDA Intel PCH: HDMI 0 (hw:0,3)", 0, 8),
    _device("sysdefault", 0, 128, 128),
    _device("pulse", 0, 32, 32),
    _device("default", 0, 32, 32),
])
LINUX_HOST_APIS = [
    {"name": "ALSA", "devices": [0, 1, 2, 3, 4], "default_input_device": 4,
     "default_output_device": 4},
    {"name": "OSS", "devices": [], "default_input_device": -1, "default_output_device": -1},
]


def test_windows_prefers_the_wasapi_default_output() -> None:
    choice = choose_default_output(_windows_host_apis(7), WINDOWS_DEVICES, 1, platform="win32")
    assert choice == OutputChoice(7, "Headphones (Realtek(R) Audio)", WASAPI)
    assert choice.needs_auto_convert


def test_windows_without_a_wasapi_output_falls_back_to_portaudios_default() -> None:
    choice = choose_default_output(_windows_host_apis(-1), WINDOWS_DEVICES, 1, platform="win32")
    assert choice == OutputChoice(None, "Microsoft Sound Mapper - Output", "MME")
    assert not choice.needs_auto_convert


def test_windows_wasapi_default_that_cannot_play_is_passed_over() -> None:
    # An input-only device named as an output default (seen in lists read mid-unplug).
    choice = choose_default_output(_windows_host_apis(9), WINDOWS_DEVICES, 1, platform="win32")
    assert choice is not None and choice.host_api == "MME"


def test_macos_uses_core_audios_default() -> None:
    choice = choose_default_output(MAC_HOST_APIS, MAC_DEVICES, 2, platform="darwin")
    assert choice == OutputChoice(None, "AirPods Pro", "Core Audio")


def test_linux_keeps_portaudios_default() -> None:
    choice = choose_default_output(LINUX_HOST_APIS, LINUX_DEVICES, 4, platform="linux")
    assert choice == OutputChoice(None, "default", "ALSA")


def test_a_wasapi_host_api_on_linux_data_is_not_taken_for_windows() -> None:
    # The platform decides, not the names in the list.
    apis = [*LINUX_HOST_APIS, {"name": WASAPI, "devices": [1], "default_output_device": 1}]
    choice = choose_default_output(apis, LINUX_DEVICES, 4, platform="linux")
    assert choice is not None and choice.host_api == "ALSA"


def test_no_default_but_a_device_that_plays_offers_that_device() -> None:
    choice = choose_default_output(MAC_HOST_APIS, MAC_DEVICES, -1, platform="darwin")
    assert choice == OutputChoice(1, "MacBook Pro Speakers", "Core Audio")


def test_alsa_aliases_are_shown_as_the_default_output() -> None:
    assert OutputChoice(None, "default", "ALSA").label == "the default output"
    assert OutputChoice(7, "Headphones (Realtek(R) Audio)", WASAPI).label == (
        "Headphones (Realtek(R) Audio)")


def test_nothing_that_plays_means_no_choice() -> None:
    devices = _indexed([_device("Microphone", 0, 0, 1)])
    apis = [{"name": "Core Audio", "devices": [0], "default_output_device": -1}]
    assert choose_default_output(apis, devices, -1, platform="darwin") is None
    assert choose_default_output([], [], -1, platform="win32") is None


def _engine(output: OutputChoice | None) -> Any:
    from cft_desktop.sound.engine import Engine

    # The stream settings and a failed open never reach the session.
    return Engine(source=_Session(), output=output)  # type: ignore[arg-type]


def test_engine_asks_wasapi_to_convert_the_sample_rate() -> None:
    import sounddevice

    engine = _engine(OutputChoice(7, "Headphones (Realtek(R) Audio)", WASAPI))
    settings = engine.stream_settings(sounddevice)
    assert settings["device"] == 7
    extra = settings["extra_settings"]
    assert isinstance(extra, sounddevice.WasapiSettings)
    assert extra._streaminfo.flags & sounddevice._lib.paWinWasapiAutoConvert


def test_engine_passes_no_host_api_settings_elsewhere() -> None:
    import sounddevice

    engine = _engine(OutputChoice(None, "default", "ALSA"))
    settings = engine.stream_settings(sounddevice)
    assert settings["device"] is None
    assert "extra_settings" not in settings


class _Session:
    render_head_frame = 0
    sample_rate = 22050


def test_wasapi_settings_really_reach_portaudio(tmp_path: Path) -> None:
    """On this Linux machine PortAudio itself refuses WASAPI settings for an ALSA device: proof
    that the engine hands them to Pa_OpenStream rather than dropping them on the way."""
    import sounddevice

    from tests.conftest import portaudio_env

    config = tmp_path / "asound.conf"
    config.write_text(
        "pcm.!default {\n type plug\n slave.pcm { type file; slave.pcm { type null };"
        f' file "{tmp_path / "tap.wav"}"; format "wav" }}\n}}\n',
        encoding="utf-8",
    )
    with portaudio_env({"ALSA_CONFIG_PATH": str(config)}):
        index = int(sounddevice.query_devices(kind="output")["index"])
        from cft_desktop.sound.engine import Engine

        plain = Engine(_Session(), output=OutputChoice(index, "default", "ALSA"))  # type: ignore[arg-type]
        wasapi = Engine(_Session(), output=OutputChoice(index, "default", WASAPI))  # type: ignore[arg-type]
        with pytest.raises(AudioDeviceError, match="Incompatible host API specific stream info"):
            wasapi.start()
        wasapi.stop(fade=False)
        # The same device opens without them (blocking mode: no callback needed here).
        settings = plain.stream_settings(sounddevice)
        del settings["callback"], settings["finished_callback"]
        sounddevice.OutputStream(**settings).close()
