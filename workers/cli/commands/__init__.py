"""Sub-command groups of the ``guardstream`` command, one module each."""
