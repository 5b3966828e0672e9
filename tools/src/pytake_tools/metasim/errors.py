"""Meta's error catalogue as the simulator answers it: one exception type, one body shape.

Every refusal the simulator gives (bad input, auth, throttling, injected faults) is a
`MetaError` carrying the HTTP status, Meta's numeric `code` and the `details` text. Rendering it
gives the exact Graph API shape (`error.message` is `(#<code>) <title>`, `type` is
`OAuthException`, `error_data.details` says what is wrong, `fbtrace_id` is random), because the
sender under test keys its retry policy on `error.code`, never on the HTTP status or the text.
"""

from __future__ import annotations

from typing import Any

# Titles as Meta's error-code table words them; `message` is `(#code) title`.
TITLES: dict[int, str] = {
    1: "An unknown error occurred",
    2: "Service temporarily unavailable",
    100: "Invalid parameter",
    190: "Invalid OAuth access token",
    2500: "Unknown path components",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template does not exist",
    132015: "Template is Paused",
    132016: "Template is Disabled",
}

THROUGHPUT_DETAILS = "Cloud API message throughput has been reached."
PAIR_RATE_DETAILS = (
    "Message failed to send because there were too many messages sent from this phone number "
    "to the same phone number in a short period of time."
)
REENGAGEMENT_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer last "
    "replied to this number."
)
ERROR_CODES_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


class MetaError(Exception):
    """A refusal in Meta's terms; `body()` renders what the Graph API would answer."""

    def __init__(
        self,
        code: int,
        details: str,
        *,
        http_status: int = 400,
        message: str | None = None,
        subcode: int | None = None,
        error_data: bool = True,
    ) -> None:
        super().__init__(f"{code}: {details}")
        self.code = code
        self.details = details
        self.http_status = http_status
        self.message = message or f"(#{code}) {TITLES.get(code, 'Unknown error')}"
        self.subcode = subcode
        # Auth and routing errors come from the Graph layer, which sends no `error_data`.
        self.error_data = error_data

    def body(self, fbtrace_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
        }
        if self.error_data:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = fbtrace_id
        return {"error": error}


def invalid(details: str) -> MetaError:
    """Code 100: a parameter has the wrong type, an unknown value or breaks a length limit."""
    return MetaError(100, details)


def missing(details: str) -> MetaError:
    """Code 131008: a required parameter is absent (or empty)."""
    return MetaError(131008, details)


def not_valid(details: str) -> MetaError:
    """Code 131009: a value Meta rejects by name (counts, duplicates, bad message ids)."""
    return MetaError(131009, details)


def bad_token(*, expired: bool = False) -> MetaError:
    if expired:
        # What Meta answers for a token it knows but no longer honours.
        return MetaError(
            190,
            "token expired",
            http_status=401,
            message="Error validating access token: Session has expired.",
            subcode=463,
            error_data=False,
        )
    return MetaError(
        190,
        "invalid token",
        http_status=401,
        message="Invalid OAuth access token - Cannot parse access token",
        error_data=False,
    )


def unknown_path(path: str) -> MetaError:
    return MetaError(
        2500,
        path,
        message=f"Unknown path components: {path}",
        error_data=False,
    )


def unknown_object(object_id: str) -> MetaError:
    return MetaError(
        100,
        object_id,
        message=(
            f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot be "
            "loaded due to missing permissions, or does not support this operation."
        ),
        subcode=33,
        error_data=False,
    )


def throughput(http_status: int = 400) -> MetaError:
    return MetaError(130429, THROUGHPUT_DETAILS, http_status=http_status, subcode=2494055)


def pair_rate_limited() -> MetaError:
    return MetaError(131056, PAIR_RATE_DETAILS)


# The transient server errors a fault can pick from: (HTTP status, code, details).
SERVER_ERRORS: tuple[tuple[int, int, str], ...] = (
    (500, 131000, "Something went wrong"),
    (503, 2, "Service temporarily unavailable. Please retry your request."),
    (500, 1, "An unknown error occurred. Please retry your request."),
)


def server_error(choice: int) -> MetaError:
    status, code, details = SERVER_ERRORS[choice % len(SERVER_ERRORS)]
    return MetaError(code, details, http_status=status)


def gateway_timeout() -> MetaError:
    return MetaError(2, "The request timed out.", http_status=504)


def upload_refused(details: str) -> MetaError:
    """A file Meta will not take, or a media id a send names that the number cannot use."""
    return MetaError(131053, details, message="(#131053) Media upload error")
