"""Exceptions shared by the whole toolkit."""


class ReconcileError(Exception):
    """Base of every error this toolkit raises on purpose (never a bare stack trace)."""


class ConfigError(ReconcileError):
    """The configuration is missing, unreadable or inconsistent; the message says what to fix."""
