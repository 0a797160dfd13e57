"""A JSON POST helper for the e2e tests that call the verification API (stdlib only)."""

import json
import urllib.error
import urllib.parse
import urllib.request


def post_json(url, fields, headers=None, timeout=60):
    """POSTs a form; returns (status, decoded JSON or None)."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, None
