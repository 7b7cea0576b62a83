"""Schemathesis hooks for tests/api/openapi-fuzz.test.ts.

- Signs the webhooks the way 3CX and ElevenLabs do, over the exact bytes sent. Only a request
  carrying the placeholder from schemathesis.toml is signed: the `ignored_auth` check's probes
  (credentials removed or replaced) stay unsigned and must be refused.
- Gives the `phone-number` format (see src/api/params.ts) valid numbers to draw from.
- Keeps `%` out of generated call ids: Schemathesis treats a path value as already percent-encoded
  (`%XX` is sent as is and decoded by the server), while the document describes the decoded id,
  which holds `%XX` of its own; such a case would test another id than the one it names.
- Knows the two documented rules no JSON Schema can state: statistics' since/until order and
  consent's given_at range. A 400 for a request that breaks one of them is not a mismatch.
"""

import hashlib
import hmac
import json
import os
import time
from datetime import datetime, timedelta, timezone

import schemathesis
from hypothesis import strategies as st
from schemathesis.core import NotSet

PLACEHOLDER = "sign-me"
SECRETS = {
    "X-3CX-Signature": os.environ["FUZZ_3CX_SECRET"],
    "ElevenLabs-Signature": os.environ["FUZZ_ELEVENLABS_SECRET"],
}


def _raw_body(case) -> bytes:
    if isinstance(case.body, NotSet):
        return b""
    if isinstance(case.body, (bytes, bytearray)):
        return bytes(case.body)
    return json.dumps(case.body, allow_nan=False).encode()


def _signature(header: str, body: bytes) -> str:
    secret = SECRETS[header].encode()
    if header == "X-3CX-Signature":
        return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    t = str(int(time.time()))
    return f"t={t},v0=" + hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for header in SECRETS:
        if headers.get(header) == PLACEHOLDER:
            body = _raw_body(case)
            kwargs["data"] = body
            headers[header] = _signature(header, body)
            case.headers = headers


_digits = lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)  # noqa: E731

# German numbers (the tests' DEFAULT_COUNTRY is DE): mobile and Berlin, E.164 and national forms.
schemathesis.openapi.format(
    "phone-number",
    st.one_of(
        _digits(8).map(lambda d: "+49151" + d),
        _digits(8).map(lambda d: "0151" + d),
        _digits(8).map(lambda d: "+4930" + d),
        _digits(8).map(lambda d: "004930" + d),
    ),
)


@schemathesis.hook
def filter_path_parameters(context, path_parameters):
    call_id = (path_parameters or {}).get("callId")
    return not isinstance(call_id, str) or "%" not in call_id


def _time(value):
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _breaks_statistics_window(case) -> bool:
    query = case.query or {}
    until = _time(query.get("until")) if "until" in query else datetime.now(timezone.utc)
    since = _time(query.get("since")) if "since" in query else (until - timedelta(days=1) if until else None)
    return until is not None and since is not None and since >= until - timedelta(seconds=1)


def _breaks_given_at_range(case) -> bool:
    given_at = _time(case.body.get("given_at")) if isinstance(case.body, dict) else None
    if given_at is None:
        return False
    return given_at < datetime(2000, 1, 1, tzinfo=timezone.utc) or given_at > datetime.now(timezone.utc) + timedelta(seconds=50)


DOCUMENTED_RULES = {
    ("GET", "/api/v1/statistics"): _breaks_statistics_window,
    ("PUT", "/api/v1/callers/{callerId}/consent"): _breaks_given_at_range,
}


@schemathesis.hook
def filter_failure(context, failure, case, response):
    rule = DOCUMENTED_RULES.get((case.operation.method.upper(), case.operation.path))
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if rule and positive and response.status_code == 400 and rule(case):
        return False
    return True

