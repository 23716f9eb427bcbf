"""Qt-free core package: voice."""
