"""Create the first Super Admin: ``python -m chalicelib.cli.create_superadmin --email you@example.com``.

What ``make superadmin EMAIL=...`` runs, against ``DATABASE_URL``. The password comes from the
``SUPERADMIN_PASSWORD`` environment variable or is asked for twice on the terminal (never echoed,
never printed). The account has no country (it sees every country) and must enroll TOTP at its
first login: the Super Admin role requires it.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from chalicelib.domain.errors import DomainError
from chalicelib.services import user_service

PASSWORD_VARIABLE = "SUPERADMIN_PASSWORD"  # noqa: S105 - the name of the variable, not a password


def _password() -> str:
    from_environment = os.environ.get(PASSWORD_VARIABLE)
    if from_environment:
        return from_environment
    if not sys.stdin.isatty():
        raise SystemExit(f"error: no terminal to ask for the password; set {PASSWORD_VARIABLE}")
    first = getpass.getpass("Password for the Super Admin: ")
    if getpass.getpass("Same password again: ") != first:
        raise SystemExit("error: the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create a Super Admin account (DATABASE_URL).")
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", default="Super Admin", help="full name (default: Super Admin)")
    args = parser.parse_args(argv)
    password = _password()
    try:
        user_id = user_service.create_superadmin(args.email, args.name, password)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    print(f"created Super Admin {args.email} (user id {user_id}); at first login, enroll 2FA (POST /auth/2fa/setup)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
