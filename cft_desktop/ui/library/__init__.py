"""The practice library as a list to choose from. GUI thread only."""
