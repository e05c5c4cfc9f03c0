"""Subcommands of the ``emgfeedback`` command line, one module each."""
