"""The routes every kind of record has at its own path: read it, edit it, delete it.

A resource module declares them from its service functions instead of writing the same three
handlers again::

    supplier = RecordRoutes(blueprint, "/suppliers/{supplier_id}", "supplier", SupplierOut,
                            read=Permission.SUPPLIERS_READ, write=Permission.SUPPLIERS_WRITE)
    supplier.get(supplier_service.get_supplier, "One supplier")
    supplier.update(supplier_service.update_supplier, SupplierUpdate, "Edit a supplier")
    supplier.delete(supplier_service.delete_supplier, "Delete a supplier and its allocations")

Each registers an :meth:`ApiBlueprint.endpoint` (``scoped_resource`` is the record kind) whose
view calls the service with the caller and the path id (and, for ``update``, the PATCH body's
changes) and answers with ``out`` built from the view the service returns. The operation ids are
``get_<kind>``, ``update_<kind>`` and ``delete_<kind>`` (``noun`` replaces the kind in them).
Routes that do more than that keep a handler of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.api.patching import PatchBody
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import Permission

Fetch = Callable[[Caller, int], Any]
Change = Callable[[Caller, int, dict[str, Any]], Any]
Remove = Callable[[Caller, int], None]


class RecordRoutes:
    def __init__(
        self,
        blueprint: ApiBlueprint,
        path: str,
        kind: str,
        out: type[ViewModel],
        *,
        read: Permission,
        write: Permission,
        noun: str | None = None,
    ) -> None:
        self.blueprint = blueprint
        self.path = path
        self.kind = kind
        self.out = out
        self.read = read
        self.write = write
        self.noun = noun or kind
        self.id_name = path.rsplit("{", 1)[1].rstrip("}")

    def get(self, fetch: Fetch, summary: str, **options: Any) -> None:
        """``GET path``: the record, as ``out``."""

        def view(caller: Caller, **ids: int) -> ViewModel:
            return self.out.of(fetch(caller, ids[self.id_name]))

        self._declare(view, "get", "GET", summary, self.read, response=self.out, **options)

    def update(self, change: Change, body: type[PatchBody], summary: str, **options: Any) -> None:
        """``PATCH path`` with ``body``: the fields sent change; answers the record, as ``out``."""

        def view(caller: Caller, body: PatchBody, **ids: int) -> ViewModel:
            return self.out.of(change(caller, ids[self.id_name], body.changes()))

        self._declare(view, "update", "PATCH", summary, self.write, response=self.out, body=body, **options)

    def delete(self, remove: Remove, summary: str, *, verb: str = "delete", **options: Any) -> None:
        """``DELETE path``: 204 once the service removed (or, with ``verb="archive"``, archived) it."""

        def view(caller: Caller, **ids: int) -> None:
            remove(caller, ids[self.id_name])

        self._declare(view, verb, "DELETE", summary, self.write, status=204, **options)

    def _declare(
        self, view: Callable[..., Any], verb: str, method: str, summary: str, permission: Permission, **options: Any
    ) -> None:
        view.__name__ = view.__qualname__ = f"{verb}_{self.noun}"  # the operation id
        # The endpoint reads the path id's type (a 422 for "abc", an integer in the OpenAPI document) here.
        view.__annotations__ = {"caller": Caller, self.id_name: int}
        self.blueprint.endpoint(
            self.path, method, summary=summary, permission=permission, scoped_resource=self.kind, **options
        )(view)
