"""The sandbox's error shape: `{"status", "error", "message", "code"}`, raised as `ApiError`."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from impilo_desktop.sandbox.seed import JsonDict


class ApiError(Exception):
    """A request the sandbox refuses; becomes a JSON error response with this status (and
    `headers`, e.g. the `Allow` of a 405)."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> JsonDict:
        return {
            "status": self.status,
            "error": HTTPStatus(self.status).phrase,
            "message": self.message,
            "code": self.code,
        }


def bad_request(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


def not_found(what: str, ident: object) -> ApiError:
    return ApiError(404, "not_found", f"No {what} with id {ident} exists.")
