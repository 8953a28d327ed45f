"""GRADIEND side by side with a steering vector (``steering-vectors``) and LEACE (``concept-erasure``).

Run ``nox -s bench -- peers`` or ``.venv/bin/python -m benchmarks.peers`` (see ``--help``); the peer
packages come from ``benchmarks/peers/requirements.txt`` (installed with ``--no-deps``, they are not
dependencies of the library). Modules: ``data`` (the split), ``measure`` (scoring), ``select`` (the
utility rule), ``gradiend_method``, ``activation_methods``, ``harness`` (one run), ``report``, ``cli``.
"""
