"""`python -m reconcile …` — see :mod:`reconcile.cli`."""

from reconcile.cli import main

raise SystemExit(main())
