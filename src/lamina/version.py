"""The version of Lamina (a leaf module: anything may import it without importing the package).

Under ``import lamina as tf`` this module is also ``tf.version``: ``tf.version.VERSION``.
"""

__version__ = "0.1.0"
VERSION = __version__
