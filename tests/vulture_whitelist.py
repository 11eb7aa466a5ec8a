"""Names vulture cannot see used: hooks that Python, the standard library or tqdm call.

``tests/test_house.py`` runs vulture over the package, the tests and the benchmarks with
this file; any other name nothing uses is dead code and fails the suite. Add a name here
only when something outside the code calls it, and say what.
"""

# ruff: noqa: B018, F821
# mypy: ignore-errors

# Module hooks: lazy imports and dir() of the package (PEP 562).
__getattr__
__dir__
# tqdm reads it when it draws a bar.
_.bar_format
# The warnings module calls it to show a warning (the CLI's, one escaped line).
_.showwarning
# reprlib.Repr settings (the quoted values of pagination errors).
_.maxstring
_.maxother
_.maxlevel
# A LogRecord's preformatted traceback, which logging.Formatter reads.
_.exc_text
# http.server and socketserver hooks and settings of the emulator's server.
_.protocol_version
_.disable_nagle_algorithm
_.handle_one_request
_.log_message
_.daemon_threads
_.block_on_close
_.allow_reuse_address
_.address_family
_.handle_error
# The context-manager and signal-handler signatures Python calls with these arguments.
exc_type
tb
signum
