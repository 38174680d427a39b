"""Pages of the directory, one module per area."""

from __future__ import annotations
