"""Exposure: white-box retouching of RAW photos learned from unpaired examples."""
