"""Which sound output to play on: the platform's own default, chosen from PortAudio's lists.

Owns the rule for the default output per platform and the plain names shown for it. On Windows
PortAudio's own default belongs to MME, the oldest host API (higher latency, resampled by the mixer
of Windows XP days); WASAPI's default output is the device Windows itself calls the default, so it
is preferred whenever WASAPI has one. Core Audio is the only host API on macOS, and on Linux the
PortAudio default (ALSA's `default`, usually routed to PulseAudio or PipeWire) is already right.

The choice is a pure function of the data `sounddevice.query_hostapis()` and `query_devices()`
return, so it is tested with recorded shapes of each platform's lists. `current_default_output`
asks PortAudio for those lists; it runs on whichever thread starts a stream or checks for devices
(the GUI thread or the device-check worker), never on the audio callback.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

WASAPI = "Windows WASAPI"

# ALSA devices that stand for "whatever the sound server routes to", not a piece of hardware.
_ALSA_ALIASES = frozenset({"default", "sysdefault", "pulse", "pipewire", "dmix"})

DeviceInfo = Mapping[str, Any]
HostApiInfo = Mapping[str, Any]


@dataclass(frozen=True)
class OutputChoice:
    """One output device. `device` is None for "PortAudio's own default", which is what a stream
    opened without a device uses; naming it explicitly would change nothing there."""

    device: int | None
    name: str
    host_api: str

    @property
    def label(self) -> str:
        """The name to show a listener: ALSA's aliases say nothing about the device behind them."""
        return "the default output" if self.name in _ALSA_ALIASES else self.name

    @property
    def needs_auto_convert(self) -> bool:
        # WASAPI shared mode only takes the device's own mix rate (44.1 or 48 kHz); our 22050 Hz
        # stream is refused with paInvalidSampleRate unless Windows is asked to convert.
        return self.host_api == WASAPI


def _plays(devices: Sequence[DeviceInfo], index: int) -> bool:
    return 0 <= index < len(devices) and int(devices[index]["max_output_channels"]) > 0


def _host_api_name(host_apis: Sequence[HostApiInfo], device: DeviceInfo) -> str:
    index = int(device.get("hostapi", -1))
    return str(host_apis[index]["name"]) if 0 <= index < len(host_apis) else ""


def choose_default_output(
    host_apis: Sequence[HostApiInfo],
    devices: Sequence[DeviceInfo],
    portaudio_default_index: int,
    platform: str = sys.platform,
) -> OutputChoice | None:
    """The output to play on, or None when nothing can play.

    `portaudio_default_index` is PortAudio's default output device (-1 for none), as
    `sounddevice.default.device` resolves it.
    """
    if platform.startswith("win"):
        for api in host_apis:
            if api["name"] != WASAPI:
                continue
            index = int(api.get("default_output_device", -1))
            if _plays(devices, index):
                return OutputChoice(index, str(devices[index]["name"]), WASAPI)
    if _plays(devices, portaudio_default_index):
        device = devices[portaudio_default_index]
        return OutputChoice(None, str(device["name"]), _host_api_name(host_apis, device))
    # PortAudio names no default (seen when the default device was just removed) but something
    # can still play: the first such device, so the listener is offered a way on.
    for index, device in enumerate(devices):
        if _plays(devices, index):
            return OutputChoice(index, str(device["name"]), _host_api_name(host_apis, device))
    return None


def current_default_output(sd: Any) -> OutputChoice | None:
    """`choose_default_output` over what the `sounddevice` module `sd` lists now."""
    try:
        host_apis = sd.query_hostapis()
        devices = sd.query_devices()
    except Exception:  # no PortAudio devices at all, or PortAudio not initialised
        return None
    try:
        default_index = int(sd.default.device[1])
    except Exception:
        default_index = -1
    if default_index < 0:
        try:
            default_index = int(sd.query_devices(kind="output")["index"])
        except Exception:  # PortAudio has no default output
            default_index = -1
    return choose_default_output(host_apis, devices, default_index)
