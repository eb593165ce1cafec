"""Small real programs, written the way their public originals are, run on vizgrad tensors.

Each module names the public code it is modelled on. The test loads a module's source
with its imports swapped (``import numpy as np`` for vizgrad, ``import autograd.numpy
as np`` for the HIPS autograd oracle) and leaves every other line as written.
"""
