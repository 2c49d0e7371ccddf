"""Kaseya BMS ⇄ QuickBooks Online sync and reconciliation toolkit.

The package owns all logic; notebooks only call it. Start with :func:`reconcile.config.load_config`
and :class:`reconcile.qbo.QboClient`.
"""

__version__ = "0.1.0"
