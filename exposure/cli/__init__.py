"""Command-line entry points of exposure: thin absl mains over the library (exit statuses and
--help: commandline)."""
