"""OTA adapters: one module per OTA (``booking_com``, ``expedia``, ``agoda``, ``traveloka``) behind
the ``OtaAdapter`` protocol (``base``), built by ``factory.build_adapter``; shared plumbing in
``transport`` (httpx, retries), ``budget`` (request budgets), ``xml_support`` (defusedxml) and
``errors``. No module here does I/O at import time."""
