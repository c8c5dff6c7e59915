"""A small client for the simulators' JSON control API (tests, the dashboard demo, scripts)."""

from __future__ import annotations

from typing import Any

import httpx

from chalicelib.tls import verifying_context


class SimulatorClient:
    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/_control", timeout=timeout, trust_env=False, verify=verifying_context()
        )

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code != 200:
            raise RuntimeError(f"control {method} {path}: {response.status_code} {response.text}")
        return response.json()

    def health(self) -> Any:
        return self._call("GET", "/health")

    def reset(self) -> Any:
        return self._call("POST", "/reset")

    def add_hotel(self, hotel: dict[str, Any]) -> Any:
        return self._call("POST", "/hotels", json=hotel)

    def set_credentials(self, credentials: dict[str, str]) -> Any:
        return self._call("PUT", "/credentials", json=credentials)

    def configure(self, **settings: Any) -> Any:
        return self._call("POST", "/config", json=settings)

    def create_reservation(self, **reservation: Any) -> Any:
        return self._call("POST", "/reservations", json=reservation)

    def modify_reservation(self, reservation_id: str, **changes: Any) -> Any:
        return self._call("POST", f"/reservations/{reservation_id}/modify", json=changes)

    def cancel_reservation(self, reservation_id: str) -> Any:
        return self._call("POST", f"/reservations/{reservation_id}/cancel", json={})

    def reservations(self) -> Any:
        return self._call("GET", "/reservations")

    def add_fault(self, kind: str, **options: Any) -> Any:
        return self._call("POST", "/faults", json={"kind": kind, **options})

    def clear_faults(self) -> Any:
        return self._call("DELETE", "/faults")

    def ari(self, hotel_id: str, room_id: str | None = None, rate_plan_id: str | None = None) -> Any:
        params = {"hotel_id": hotel_id}
        if room_id:
            params["room_id"] = room_id
        if rate_plan_id:
            params["rate_plan_id"] = rate_plan_id
        return self._call("GET", "/ari", params=params)

    def ari_messages(self) -> Any:
        return self._call("GET", "/ari/messages")

    def requests(self) -> Any:
        return self._call("GET", "/requests")

    def start_generator(self, interval_seconds: float, hotel_id: str | None = None) -> Any:
        return self._call("POST", "/generator", json={"interval_seconds": interval_seconds, "hotel_id": hotel_id})

    def stop_generator(self) -> Any:
        return self._call("DELETE", "/generator")

    def set_webhook(
        self,
        url: str,
        secret: str,
        *,
        attempts: int = 3,
        retry_delay_seconds: float = 15.0,
        username: str | None = None,
    ) -> Any:
        body: dict[str, Any] = {
            "url": url,
            "secret": secret,
            "attempts": attempts,
            "retry_delay_seconds": retry_delay_seconds,
        }
        if username:
            body["username"] = username
        return self._call("PUT", "/webhook", json=body)

    def clear_webhook(self) -> Any:
        return self._call("DELETE", "/webhook")

    def webhook(self) -> Any:
        """``{"configured", "url", "deliveries": [{"reservation_id", "action", "attempt", "status", ...}]}``."""
        return self._call("GET", "/webhook")
