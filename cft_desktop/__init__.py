"""CFT Desktop: an offline guided-imagery player for compassion-focused therapy."""

import os as _os

# onnxruntime (under the neural voice) collects and tries to send usage telemetry unless told not
# to; this product never talks to a network, so it is switched off before anything can import it.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
