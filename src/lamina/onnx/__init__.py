"""ONNX export of trained Sequential models (needs the ``onnx`` package: ``pip install lamina[onnx]``).

Example::

    lamina.onnx.export(model, "classifier.onnx")
"""

from .export import export, to_onnx

__all__ = ["export", "to_onnx"]
