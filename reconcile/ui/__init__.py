"""ipywidgets views: wiring only, all logic lives in the package."""

from reconcile.ui.app import App
from reconcile.ui.connection import ConnectionView
from reconcile.ui.entity import EntityView
from reconcile.ui.logs import LogView, SyncMapView

__all__ = ["App", "ConnectionView", "EntityView", "LogView", "SyncMapView"]
