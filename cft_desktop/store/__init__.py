"""Qt-free core package: store."""
