"""OpenAUP: a school district's technology Acceptable Use Policy, signed, enforced and proven."""

from __future__ import annotations

__version__ = "0.1.0"
