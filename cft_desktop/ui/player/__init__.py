"""Playing a practice in the window: the Qt face of `cft_desktop.play`, the player view with its
breathing pacer, Ground me, and the controller between them. GUI thread only."""
