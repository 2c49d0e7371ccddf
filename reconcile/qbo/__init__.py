"""QuickBooks Online side: OAuth 2.0, REST client, query builder, faults and frames."""

from reconcile.qbo.auth import DisconnectedError, OAuthError, QboAuth, StateMismatchError
from reconcile.qbo.client import BatchOp, BatchResult, QboClient, batch_frame
from reconcile.qbo.errors import QboError
from reconcile.qbo.query import Query, quote, select
from reconcile.qbo.tokens import TokenSet, TokenStore

__all__ = [
    "BatchOp",
    "BatchResult",
    "DisconnectedError",
    "OAuthError",
    "QboAuth",
    "QboClient",
    "QboError",
    "Query",
    "StateMismatchError",
    "TokenSet",
    "TokenStore",
    "batch_frame",
    "quote",
    "select",
]
