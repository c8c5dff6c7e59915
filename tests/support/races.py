"""Running race-test clients at once: one thread each (its own connection through the services)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_at_once(clients: int, client: Callable[[int], None]) -> None:
    """Run ``client(index)`` for every index in threads released together by a barrier; wait for all."""
    start = threading.Barrier(clients)

    def released(index: int) -> None:
        start.wait()
        client(index)

    threads = [threading.Thread(target=released, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
