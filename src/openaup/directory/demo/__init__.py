"""The demo district, Maple Valley Public Schools: a generator (plain Python) that makes it as
OneRoster data, and the services that load it with its demo sign-ins."""

from __future__ import annotations
