"""Write TOML scalars: the small writer :meth:`forecast.scenarios.Scenario.to_toml` uses.

``tomllib`` reads TOML but does not write it; a scenario file needs only basic strings,
booleans, integers and finite floats, so these two functions are all the writer there is.
"""

from __future__ import annotations

from typing import Any

__all__ = ["toml_string", "toml_value"]

_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(text: str) -> str:
    """Return ``text`` as a TOML basic string (quoted, escaped)."""
    out = []
    for char in text:
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """Return a scalar (str, bool, int, finite float) as TOML.

    Raises
    ------
    TypeError
        For any other type.
    """
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    msg = f"cannot write {value!r} as a TOML value"
    raise TypeError(msg)
