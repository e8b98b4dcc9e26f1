"""Commands of the mobile package (absl main per file)."""
