"""A stand-in webhook receiver (and GitHub ``/rate_limit``) on 127.0.0.1, over
real HTTP/1.1 on asyncio streams. It records every request; ``fail`` makes the
next requests answer 503; it can be started late on a port chosen first, so a
receiver that is down at first is a port nobody listens on."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from tests.served import free_port


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    fail: int = 0  # how many of the next requests answer 503
    _server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.received.append(Received(method, path, headers, body))
            if self.fail > 0:
                self.fail -= 1
                status, payload = 503, b'{"down":true}'
            elif path == "/rate_limit":
                status, payload = 200, b'{"resources":{}}'
            else:
                status, payload = 200, b"ok"
            reason = {200: "OK", 503: "Service Unavailable"}[status]
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\ncontent-length: {len(payload)}\r\n"
                "content-type: application/json\r\nconnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        finally:
            writer.close()
