"""The real-time 270/271 exchange over HTTP: a configurable endpoint, credentials and timeout.

The payload is the X12 interchange itself (`application/EDI-X12`), as clearinghouses' real-time
HTTP endpoints accept it; timeouts, refused connections and 5xx answers are `PayerUnavailable`.
"""

from __future__ import annotations

import httpx

from services.eligibility.handlers.ports import PayerUnavailable


class HttpEligibilityGateway:
    def __init__(self, url: str, user: str, password: str, timeout_seconds: float) -> None:
        self.url = url
        self.client = httpx.AsyncClient(auth=(user, password), timeout=timeout_seconds)

    async def exchange(self, x270: str, payer_id: str) -> str:
        try:
            response = await self.client.post(
                self.url, content=x270.encode(), headers={"Content-Type": "application/EDI-X12", "X-Payer-Id": payer_id}
            )
        except httpx.TimeoutException as error:
            raise PayerUnavailable(f"no answer within {self.client.timeout.read}s") from error
        except httpx.TransportError as error:
            raise PayerUnavailable(f"cannot reach the clearinghouse: {type(error).__name__}") from error
        if response.status_code != 200:  # 401/403 too: the encounter waits, ops see why
            # the body is not quoted: a clearinghouse error page can echo the inquiry, names and all
            raise PayerUnavailable(f"clearinghouse answered {response.status_code} ({len(response.text)} bytes)")
        return response.text

    async def close(self) -> None:
        await self.client.aclose()
