"""Commands of the export package (absl `main(argv)` + `run()`; exit statuses and --help:
commandline)."""
