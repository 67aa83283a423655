"""Development-only validation of the engine's mechanisms against historical data.

Not part of the installed package (``src/polemos``): ``cdb90`` and ``ardennes`` read
``../shared/`` (development data the project never ships), ``wars`` runs embedded scenarios;
each writes numbers of ``docs/validation.md``. Run from the repository root, e.g.
``python -m validation.cdb90``, ``python -m validation.ardennes``, ``python -m validation.wars``.
"""

import os

# numpy's BLAS spins up threads for every small vector operation of scipy's optimisers:
# on a shared machine that makes a fit ~6x slower and gains nothing. Effective only when
# this package is imported before numpy (as with ``python -m validation.cdb90``).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
