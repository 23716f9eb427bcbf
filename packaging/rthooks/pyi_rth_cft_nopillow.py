"""PyInstaller runtime hook: no warning about the Pillow the bundle leaves out on purpose.

fpdf2 warns "Pillow could not be imported" when its module loads without Pillow. The bundle omits
Pillow (see cft-desktop.spec: the PDF summary draws vector shapes and embeds TrueType fonts, no
raster image), so the warning would only confuse a person exporting a PDF from a terminal.
"""

import warnings

warnings.filterwarnings("ignore", message="Pillow could not be imported", category=UserWarning)
