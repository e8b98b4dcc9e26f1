"""Packaging of trained Exposure models: TFLite, SavedModel, ONNX."""
