"""Qt-free core package: sound."""
