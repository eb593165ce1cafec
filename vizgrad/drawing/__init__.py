"""The drawing: from a recorded computation to plain data, then to DOT, SVG and pictures.

``record`` turns vizgrad's tensors and backward pass into a ``trace.Trace`` and is
the only module here that reads a tensor's internals; ``build`` (with ``group``,
``narrate``, ``format``, ``palette``) turns any Trace into a ``graph.Graph``;
``dot`` and ``render`` draw a Graph; ``api`` holds ``vg.graph`` and
``vg.export_svg``. A new output format reads a ``Graph``; a new recorder makes a
Trace. docs/ARCHITECTURE.md draws the whole flow.
"""
