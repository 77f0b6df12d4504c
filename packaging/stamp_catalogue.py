"""Check the bundled recommendations catalogue against its JSON schema and record that it passed.

Run after editing resources/catalogue/catalogue.toml or schema.json:
    python packaging/stamp_catalogue.py
It writes resources/catalogue/catalogue.validated (the SHA-256 of the schema and the catalogue), so
that the application skips the schema walk at start-up for exactly this content (issue 18). A
catalogue that fails is reported and nothing is written; a stale stamp only costs time, because
any other content is checked in full when it is loaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clinicguard.core.catalogue import write_validated_stamp
from clinicguard.model.errors import CatalogueError


def main() -> int:
    try:
        digest = write_validated_stamp()
    except CatalogueError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"catalogue checked against its schema; stamp {digest[:16]}… written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
