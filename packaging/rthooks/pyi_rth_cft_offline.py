"""PyInstaller runtime hook: keep the frozen app offline and out of the user's home folder.

onnxruntime (the engine under the piper voice) ships Microsoft telemetry on Linux since 1.29: on the
first inference session it writes a device id and an event queue to ~/.cache/Microsoft/DeveloperTools/
and tries to upload them. ORT_DISABLE_TELEMETRY=1, set before onnxruntime initialises, turns all of it
off (no id, no queue, no upload). Set unconditionally: a therapy app promises it sends nothing.
"""

import os

os.environ["ORT_DISABLE_TELEMETRY"] = "1"
