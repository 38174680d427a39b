"""The district directory: schools, sessions, people, sections, enrollments, guardianship."""

from __future__ import annotations
