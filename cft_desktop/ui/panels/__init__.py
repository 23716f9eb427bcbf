"""The side panel: breathing pace, sound, display comfort and named breathing patterns.
GUI thread only."""
