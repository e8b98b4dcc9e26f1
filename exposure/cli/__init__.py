"""Command-line entry points of exposure."""
