"""Impilo REST API v3: schemas, typed errors and the async client."""

from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    NotFound,
    RateLimited,
    RequestRejected,
    ServerError,
    UnexpectedResponse,
    Unreachable,
)

__all__ = [
    "AuthenticationError",
    "ImpiloError",
    "NotFound",
    "RateLimited",
    "RequestRejected",
    "ServerError",
    "UnexpectedResponse",
    "Unreachable",
]
