"""The filter engine: category lists, the compiled snapshot, decisions and Squid helpers.

A library, not a Django app: it imports nothing from Django or the rest of OpenAUP, so a
district can run the filter without the web app (see ``docs/architecture.md``).
"""

from __future__ import annotations
