"""Write the API's OpenAPI document without a server: ``python -m chalicelib.cli.export_openapi PATH``.

The dashboard's client types are generated from this file (``dashboard/openapi.json`` →
``openapi-typescript`` → ``dashboard/src/api/schema.d.ts``); ``make dashboard-types-check``
regenerates both and fails when they differ from the committed ones. Importing the app does no
I/O (settings and clients are lazy), so this needs no database, AWS or network.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chalicelib.api.openapi import build_openapi


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the OpenAPI 3.1 document of the API.")
    parser.add_argument("path", help="where to write it ('-' for standard output)")
    args = parser.parse_args(argv)

    from app import app

    text = json.dumps(build_openapi(app), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if args.path == "-":
        sys.stdout.write(text)
    else:
        Path(args.path).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
