"""Names of the things a lease guards (``leases.resource``): one worker at a time on each."""

from __future__ import annotations


def property_sync_lease(property_id: int) -> str:
    """A property's pull: one sync worker per property."""
    return f"property-sync:{property_id}"


def ari_push_lease(connection_id: int) -> str:
    """A connection's ARI push: one push at a time per connection."""
    return f"ari-push:{connection_id}"
