"""OneRoster 1.1 and 1.2 CSV: records, reading, writing, and planning an import.

The modules here are plain Python (no Django): :mod:`.records` holds one dataclass per
OneRoster file row; :mod:`.reader` turns a folder or zip into a :class:`.records.Dataset`,
validating everything first; :mod:`.writer` writes a dataset back as 1.1 or 1.2 files. The
database side (comparing with what is stored, applying in one transaction) is
:mod:`openaup.directory.services`.
"""

from __future__ import annotations
