"""Command-line entry points of agan."""
