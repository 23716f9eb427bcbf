"""The client's calm view: one Pace control beside the pacer, and display comfort in the View menu."""
