"""One family of typed errors for everything the Impilo API can do wrong.

Each error carries `message` (plain language, for the user), `detail` (for the log), the HTTP
`status` where there is one, and `retryable` (whether sending the same request later may
succeed). Neither text ever contains the API key.
"""

from __future__ import annotations


class ImpiloError(Exception):
    """Base of every API error."""

    retryable: bool = False
    default_message = "Something went wrong talking to Impilo."

    def __init__(
        self, message: str | None = None, *, detail: str = "", status: int | None = None
    ) -> None:
        self.message = message or self.default_message
        self.detail = detail
        self.status = status
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"


class AuthenticationError(ImpiloError):
    """401/403: the key is missing, wrong, expired or deactivated."""

    default_message = (
        "Impilo rejected the API key. It may have expired or been deactivated; "
        "enter a new key in Settings."
    )


class RequestRejected(ImpiloError):  # noqa: N818 (names are the contract)
    """400/409/422: the server refused the request; `server_message` is what it said."""

    default_message = "Impilo rejected the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: str = "",
        status: int | None = None,
        server_message: str = "",
    ) -> None:
        super().__init__(message, detail=detail, status=status)
        self.server_message = server_message


class NotFound(ImpiloError):  # noqa: N818 (names are the contract)
    """404: the id does not exist (or is not visible to this account)."""

    default_message = "Impilo has no record with that id."


class RateLimited(ImpiloError):  # noqa: N818 (names are the contract)
    """429: too many requests; `retry_after` is the server's hint in seconds, if any."""

    retryable = True
    default_message = "Impilo asked us to slow down; trying again shortly."

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: str = "",
        status: int | None = 429,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, detail=detail, status=status)
        self.retry_after = retry_after


class ServerError(ImpiloError):
    """5xx: Impilo had a problem; worth trying again later (`retry_after`: the server's hint)."""

    retryable = True
    default_message = "Impilo is having trouble right now; trying again shortly."

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, detail=detail, status=status)
        self.retry_after = retry_after


class Unreachable(ImpiloError):  # noqa: N818 (names are the contract)
    """No answer: offline, DNS, refused, reset, or a timeout.

    `maybe_sent` is True when the request may have reached the server before the failure
    (so a create must be reconciled before it is repeated).
    """

    retryable = True
    default_message = "Cannot reach Impilo. Check the network connection."

    def __init__(
        self, message: str | None = None, *, detail: str = "", maybe_sent: bool = True
    ) -> None:
        super().__init__(message, detail=detail, status=None)
        self.maybe_sent = maybe_sent


class UntrustedCertificate(Unreachable):
    """The TLS certificate presented on the way to the server failed verification against
    this computer's trust store (a clinic's TLS-inspecting proxy whose root certificate is
    not installed, a self-signed or expired certificate, the wrong host). The connection was
    never set up, so nothing was sent; trying again soon cannot help, so it is not retried
    within one call (the outbox still tries again later: IT may install the certificate).
    `reason` is the plain-language part after the colon."""

    retryable = False

    def __init__(self, reason: str, advice: str = "", *, detail: str = "") -> None:
        message = f"The connection's certificate is not trusted by this computer: {reason}."
        super().__init__(f"{message} {advice}".strip(), detail=detail, maybe_sent=False)
        self.reason = reason


class ProxyRefused(Unreachable):
    """The proxy server did not let the connection through: nothing listening at its
    address, or it answered the tunnel request (CONNECT) with an error such as 407 (sign-in
    required) or 502. Nothing reached Impilo (`maybe_sent` is False); `status` is the
    proxy's HTTP status when it answered."""

    def __init__(
        self,
        message: str,
        *,
        detail: str = "",
        status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message, detail=detail, maybe_sent=False)
        self.status = status
        # A proxy that wants a sign-in will want it on the next attempt too.
        self.retryable = status != 407 if retryable is None else retryable


class UnexpectedResponse(ImpiloError):  # noqa: N818 (names are the contract)
    """A 2xx whose body is not what the API documents (malformed JSON, wrong shape)."""

    default_message = "Impilo sent a response the app could not read."
