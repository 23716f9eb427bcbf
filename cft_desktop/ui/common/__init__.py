"""What every window part shares: calm messages, the theme, remembered settings, playback state
names and the platform conventions. Imports no feature of ui/. GUI thread only."""
