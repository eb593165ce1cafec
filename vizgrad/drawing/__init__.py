"""The drawing: from a recorded computation to plain data, then to DOT, SVG and pictures.

Nothing here reads a tensor's internals except the module that turns a backward
pass into a Trace; everything after it reads the Trace. A new output format
reads a ``Graph``.
"""
