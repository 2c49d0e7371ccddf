"""ipywidgets views: wiring only, all logic lives in the package."""

from reconcile.ui.app import App
from reconcile.ui.connection import ConnectionView

__all__ = ["App", "ConnectionView"]
