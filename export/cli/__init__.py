"""Commands of the export package (absl `main(argv)` + `run()`)."""
