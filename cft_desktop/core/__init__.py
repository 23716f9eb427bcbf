"""Qt-free core package: core."""
