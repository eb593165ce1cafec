"""The front ends: the notebook widget, the ``%vizgrad`` magic and the ``vizgrad`` CLI.

A front end takes what a user gives it, asks the drawing for a ``Graph`` and shows it.
"""
