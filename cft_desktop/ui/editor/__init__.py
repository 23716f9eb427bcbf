"""The therapist's script editor window and its highlighting. GUI thread only."""
