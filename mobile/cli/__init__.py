"""Commands of the mobile package (absl main per file; exit statuses and --help: commandline)."""
