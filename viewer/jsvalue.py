"""The one way Python values cross into JavaScript: JSON, escaped for an HTML <script>."""

from __future__ import annotations

import json
from typing import Any

_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def to_js(value: Any) -> str:
    """A JS expression for `value`. Safe inside <script> and in runJavaScript: data stays data."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escaped in _UNSAFE.items():
        text = text.replace(char, escaped)
    return text


def js_call(function: str, *args: Any) -> str:
    """`function(arg, ...)`, every argument JSON-escaped. `function` is our code, never data."""
    if not function.replace(".", "").replace("_", "").isalnum():
        raise ValueError(f"not a plain function name: {function!r}")
    return f"{function}({','.join(to_js(a) for a in args)})"
