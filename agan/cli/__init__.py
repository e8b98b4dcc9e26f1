"""Command-line entry points of agan: thin absl mains over the library (exit statuses and --help:
commandline)."""
