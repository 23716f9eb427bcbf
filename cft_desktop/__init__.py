"""CFT Desktop: an offline guided-imagery player for compassion-focused therapy."""

__version__ = "0.1.0"
