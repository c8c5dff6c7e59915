"""Queries, one module per area. Functions take the session (and, for country-owned rows, the
caller's scope) and never commit: the service's unit of work does."""
