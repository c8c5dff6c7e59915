"""Declaring the routes of a resource with what they share: the permissions and the record kinds.

A resource module creates one :class:`Resource` and declares each route with a verb; the verb
says the method, the permission (``read`` for GET, ``write`` for the rest) and the success
status (201 for ``create``, 204 for ``delete``); each path id names its record kind for
``scoped_resource`` (``supplier_id`` -> ``"supplier"``, or as ``kinds`` says)::

    suppliers = Resource(blueprint, read=Permission.SUPPLIERS_READ, write=Permission.SUPPLIERS_WRITE)

    @suppliers.create("/suppliers", "Create a supplier", error_statuses=(422,))
    def create_supplier(caller: Caller, body: SupplierCreate) -> SupplierOut: ...

Any other :meth:`ApiBlueprint.endpoint` option passes through (``permission=`` overrides the
verb's). The routes every record has -- add one at the path's parent, read it, edit it, delete
it at its own path -- are declared from the service functions with :meth:`Resource.record`
instead of handlers::

    prop = properties.record("/properties/{property_id}", PropertyOut)
    prop.create(property_service.create_property, PropertyCreate, "Create a property", build=NewProperty)
    prop.get(property_service.get_property, "One property")
    prop.update(property_service.update_property, PropertyUpdate, "Edit a property")
    prop.delete(property_service.archive_property, "Archive a property", verb="archive")

Their views call the service with the caller and the path id (``update``: and the PATCH body's
changes; ``create``, at ``POST /properties``: ``build(**body fields)`` instead of an id) and
answer with the response model built from the view the service returns. Their operation ids are
``create_<kind>``, ``get_<kind>``, ``update_<kind>`` and ``delete_<kind>`` (``noun`` replaces the
kind). The records under a parent -- list them, add one -- are declared alike with
:meth:`Resource.collection`::

    allocations = suppliers.collection("/suppliers/{supplier_id}/allocations", AllocationOut, noun="allocation")
    allocations.list(supplier_service.list_allocations, "The room-type allocations of a supplier")
    allocations.create(supplier_service.create_allocation, AllocationCreate, "Allocate rooms", build=dict)

``list`` answers the models of the views the service returns for the caller and the parent's id
(operation ``list_<noun>s``); ``create`` calls the service with them and ``build(**body fields)``
(a ``New...`` view, or ``dict``) and answers 201 with the model of the view it returns
(``create_<noun>``). Routes that do more than that keep a handler of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import GenericAlias
from typing import Any, Protocol

from pydantic import BaseModel

from chalicelib.api.routing import ApiBlueprint, path_parameter_names
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import Permission

View = Callable[..., Any]
Declare = Callable[[View], View]
Fetch = Callable[[Caller, int], Any]
Change = Callable[[Caller, int, dict[str, Any]], Any]
Remove = Callable[[Caller, int], None]
FetchAll = Callable[[Caller, int], Iterable[Any]]
Add = Callable[[Caller, int, Any], Any]


class ChangeBody(Protocol):
    """A PATCH body (:class:`~chalicelib.api.patching.PatchBody` or alike): the fields sent."""

    def changes(self) -> dict[str, Any]: ...


class Resource:
    def __init__(
        self,
        blueprint: ApiBlueprint,
        *,
        read: Permission,
        write: Permission,
        kinds: Mapping[str, str] | None = None,
    ) -> None:
        self.blueprint = blueprint
        self.read = read
        self.write = write
        self.kinds = dict(kinds or {})

    def get(self, path: str, summary: str, **options: Any) -> Declare:
        return self.route(path, "GET", summary, self.read, options)

    def create(self, path: str, summary: str, **options: Any) -> Declare:
        """POST that creates a record: 201."""
        return self.route(path, "POST", summary, self.write, {"status": 201, **options})

    def post(self, path: str, summary: str, **options: Any) -> Declare:
        return self.route(path, "POST", summary, self.write, options)

    def patch(self, path: str, summary: str, **options: Any) -> Declare:
        return self.route(path, "PATCH", summary, self.write, options)

    def delete(self, path: str, summary: str, **options: Any) -> Declare:
        """DELETE: 204."""
        return self.route(path, "DELETE", summary, self.write, {"status": 204, **options})

    def route(self, path: str, method: str, summary: str, permission: Permission, options: dict[str, Any]) -> Declare:
        ids = path_parameter_names(path)
        if ids:
            options.setdefault("scoped_resource", {name: self.kind_of(name) for name in ids})
        options.setdefault("permission", permission)
        return self.blueprint.endpoint(path, method, summary=summary, **options)

    def kind_of(self, id_name: str) -> str:
        """The record kind a path id names: ``kinds[id_name]``, else the name without ``_id``."""
        return self.kinds.get(id_name, id_name.removesuffix("_id"))

    def record(self, path: str, out: type[ViewModel], *, kind: str | None = None, noun: str | None = None) -> Record:
        return Record(self, path, out, kind=kind, noun=noun)

    def collection(self, path: str, out: type[ViewModel], *, noun: str) -> Collection:
        return Collection(self, path, out, noun)


class Record:
    """The get / update / delete routes of one kind of record at ``path`` (see the module docstring)."""

    def __init__(
        self, resource: Resource, path: str, out: type[ViewModel], *, kind: str | None, noun: str | None
    ) -> None:
        self.resource = resource
        self.path = path
        self.out = out
        self.id_name = path_parameter_names(path)[-1]
        self.kind = kind or resource.kind_of(self.id_name)
        self.noun = noun or self.kind

    def get(self, fetch: Fetch, summary: str, **options: Any) -> None:
        """``GET path``: the record."""

        def view(caller: Caller, **ids: int) -> ViewModel:
            return self.out.of(fetch(caller, ids[self.id_name]))

        self._declare(view, "get", self.resource.get(self.path, summary, response=self.out, **self._scope(options)))

    def update(self, change: Change, body: type[BaseModel], summary: str, **options: Any) -> None:
        """``PATCH path`` with ``body``: the fields sent change; answers the record."""
        if not callable(getattr(body, "changes", None)):
            raise TypeError(f"{body.__name__} has no changes(): make it a PatchBody")

        def view(caller: Caller, body: ChangeBody, **ids: int) -> ViewModel:
            return self.out.of(change(caller, ids[self.id_name], body.changes()))

        declare = self.resource.patch(self.path, summary, body=body, response=self.out, **self._scope(options))
        self._declare(view, "update", declare)

    def create(
        self,
        add: Callable[[Caller, Any], Any],
        body: type[BaseModel],
        summary: str,
        *,
        build: Callable[..., Any],
        **options: Any,
    ) -> None:
        """``POST`` to the path's parent (``/suppliers`` of ``/suppliers/{supplier_id}``) with ``body``: 201
        with the record the service added from ``build(**body fields)`` (operation ``create_<kind>``)."""

        def view(caller: Caller, body: BaseModel) -> ViewModel:
            return self.out.of(add(caller, build(**body.model_dump())))

        view.__name__ = view.__qualname__ = f"create_{self.noun}"
        view.__annotations__ = {"caller": Caller}
        self.resource.create(self.path.rsplit("/", 1)[0], summary, body=body, response=self.out, **options)(view)

    def delete(self, remove: Remove, summary: str, *, verb: str = "delete", **options: Any) -> None:
        """``DELETE path``: 204 once the service removed (with ``verb="archive"``: archived) it."""

        def view(caller: Caller, **ids: int) -> None:
            remove(caller, ids[self.id_name])

        self._declare(view, verb, self.resource.delete(self.path, summary, **self._scope(options)))

    def _scope(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"scoped_resource": self.kind, **options}

    def _declare(self, view: View, verb: str, declare: Declare) -> None:
        _declare(view, f"{verb}_{self.noun}", self.id_name, declare)


class Collection:
    """The list / create routes of the records under a parent at ``path`` (see the module docstring)."""

    def __init__(self, resource: Resource, path: str, out: type[ViewModel], noun: str) -> None:
        self.resource = resource
        self.path = path
        self.out = out
        self.noun = noun
        self.id_name = path_parameter_names(path)[-1]  # the parent's

    def list(self, fetch: FetchAll, summary: str, **options: Any) -> None:
        """``GET path``: the parent's records."""

        def view(caller: Caller, **ids: int) -> list[ViewModel]:
            return [self.out.of(record) for record in fetch(caller, ids[self.id_name])]

        declare = self.resource.get(self.path, summary, response=GenericAlias(list, (self.out,)), **options)
        _declare(view, f"list_{self.noun}s", self.id_name, declare)

    def create(
        self, add: Add, body: type[BaseModel], summary: str, *, build: Callable[..., Any], **options: Any
    ) -> None:
        """``POST path`` with ``body``: 201 with the record the service added."""

        def view(caller: Caller, body: BaseModel, **ids: int) -> ViewModel:
            return self.out.of(add(caller, ids[self.id_name], build(**body.model_dump())))

        declare = self.resource.create(self.path, summary, body=body, response=self.out, **options)
        _declare(view, f"create_{self.noun}", self.id_name, declare)


def _declare(view: View, operation_id: str, id_name: str, declare: Declare) -> None:
    view.__name__ = view.__qualname__ = operation_id
    # The endpoint reads the path id's type (a 422 for "abc", an integer in the OpenAPI document) here.
    view.__annotations__ = {"caller": Caller, id_name: int}
    declare(view)
