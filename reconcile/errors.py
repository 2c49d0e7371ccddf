"""Exceptions shared by the whole toolkit."""


class ReconcileError(Exception):
    """Base of every error this toolkit raises on purpose (never a bare stack trace)."""


class ConfigError(ReconcileError):
    """The configuration is missing, unreadable or inconsistent; the message says what to fix."""


class Blocked(Exception):
    """A record a plan cannot send; the message is the reason, in words a person can act on.

    Not an error of the toolkit but an outcome of planning (the row's action ``blocked``):
    plan resolution raises it and the planner turns it into the row. It is its own type so
    that only it becomes a blocked row; any other exception during planning is a bug and
    surfaces as one."""
