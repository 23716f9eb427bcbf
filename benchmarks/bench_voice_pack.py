"""Benchmark: own-voice takes. Processing a 10 s take, importing a 30-phrase folder, and moving
the pack (export, import-pack), each beside a baseline measured in the same run.

Baselines: for processing, the bare high-pass alone (one FFT filter over the take, which
`process_take` also does); for the folder import, only decoding the 30 files with libsndfile. The
speech is the real neural voice's, at 48 kHz with 0.7 s / 0.9 s of noise at -75 dBFS around it.
Targets (issue 14): a 10 s take in <= 100 ms; a 30-phrase folder in <= 5 s.
Run: .venv/bin/python benchmarks/bench_voice_pack.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as c
import numpy as np
import soundfile

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import parse_text
from cft_desktop.sound.loudness import filtered, resample, rumble_filter
from cft_desktop.voice import takes
from cft_desktop.voice.piper import PiperVoiceBackend

RATE = 48000
TEXTS = ("Let your breath find its own gentle rhythm.", "Notice the chair beneath you.",
         "Breathing in, slowly.", "And breathing out.", "Let your shoulders soften a little.")


def speech(voice: PiperVoiceBackend) -> list[np.ndarray]:
    out = []
    for text in TEXTS:
        samples, rate = voice.synthesize(text, 1.0)
        out.append(resample(samples.astype(np.float64) / 32768, rate, RATE).astype(np.float64))
    return out


def padded(clip: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    body = np.concatenate((np.zeros(round(0.7 * RATE)), clip * 0.5 / np.abs(clip).max(),
                           np.zeros(round(0.9 * RATE))))
    return body + rng.normal(0, 10 ** (-75 / 20), len(body))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    c.machine_note()
    clips = speech(PiperVoiceBackend())

    # A 10 s take: the phrases one after another, with short pauses, in room noise.
    gap = np.zeros(round(0.4 * RATE))
    ten = np.concatenate([np.concatenate((clip, gap)) for clip in clips * 3])[: 10 * RATE - round(1.6 * RATE)]
    take_in = padded(ten, 1)
    bare, ours = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        filtered(take_in, RATE, rumble_filter(RATE))
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        take = takes.process_take(take_in, RATE)
        ours.append(time.perf_counter() - start)
    c.detail(f"take: {len(take_in) / RATE:.1f} s in, {take.duration_s:.1f} s kept, "
             f"{take.loudness_lufs:.2f} LUFS, peak {take.peak_dbfs:.2f} dBFS, "
             f"problems {list(take.problems)}")
    c.summary("voice_take_10s", [("high_pass_only", c.fmt_s(c.median(bare))),
                                 ("process_take", c.fmt_s(c.median(ours)))],
              c.median(ours) / c.median(bare), "process_take <= 100ms")

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        body = "\n\n".join(f"Phrase number {n}: a line to record." for n in range(1, 31))
        script_text = ("---\nid: thirty\ntitle: Thirty\nkind: grounding\nminutes: 3\n"
                       f"summary: S\n---\n{body}\n")
        (tmp / "thirty.md").write_text(script_text, encoding="utf-8")
        script = parse_text(script_text, tmp / "thirty.md")
        folder = tmp / "studio"
        folder.mkdir()
        for n in range(1, 31):
            soundfile.write(folder / f"{n:03d}.wav", padded(clips[n % len(clips)], n), RATE,
                            subtype="PCM_24")
        decode, in_process = [], []
        os.environ["CFT_DESKTOP_DATA_DIR"] = str(tmp / "data")
        from cft_desktop.voice.importing import import_folder
        from cft_desktop.voice.recorded import export_pack, import_pack, remove_pack

        for run in range(args.runs):
            start = time.perf_counter()
            for path in sorted(folder.iterdir()):
                soundfile.read(path, dtype="float64")
            decode.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = import_folder(script, folder, f"bench{run}", Pacing())
            in_process.append(time.perf_counter() - start)
            assert result.imported == 30, result.report
        env = dict(os.environ, PYTHONPATH=str(c.REPO))
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cft_desktop", "voice", "import", str(tmp / "thirty.md"),
                        str(folder), "--name", "cli"], env=env, check=True, capture_output=True)
        cli_s = time.perf_counter() - start
        c.summary("voice_import_30", [("decode_only", c.fmt_s(c.median(decode))),
                                      ("import_folder", c.fmt_s(c.median(in_process))),
                                      ("cli_process", c.fmt_s(cli_s))],
                  c.median(in_process) / c.median(decode), "import <= 5s")
        exports, imports = [], []
        for run in range(args.runs):
            out = tmp / f"pack{run}.cftvoice"
            start = time.perf_counter()
            export_pack("bench0", out)
            exports.append(time.perf_counter() - start)
            start = time.perf_counter()
            import_pack(out, name=f"moved{run}")
            imports.append(time.perf_counter() - start)
            remove_pack(f"moved{run}")
        size_mb = (tmp / "pack0.cftvoice").stat().st_size / 1e6
        c.summary("voice_pack_move", [("export", c.fmt_s(c.median(exports))),
                                      ("import_pack", c.fmt_s(c.median(imports))),
                                      ("file", f"{size_mb:.1f}MB")],
                  c.median(imports) / c.median(exports), "import is checksummed, all or nothing")


if __name__ == "__main__":
    main()
