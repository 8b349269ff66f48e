"""A stand-in OpenAI-compatible API on 127.0.0.1 over real HTTP/1.1 (asyncio streams):
``POST /v1/chat/completions`` and ``POST /v1/moderations``, as llama.cpp's and
Ollama's servers answer them. ``behaviour`` makes it answer, hang past the client's
timeout, or fail with a 500. Every request body is recorded."""

from __future__ import annotations

import asyncio
import json
from typing import Any


class OpenAIStandin:
    def __init__(self) -> None:
        self.behaviour = "ok"  # "ok", "hang", "error"
        self.reply = "Fixing a flat\n\nA flat tyre is fixed with a patch, a lever and a pump."
        self.model = "standin-llama"
        self.flag_words: set[str] = {"forbidden"}
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self._server: asyncio.Server | None = None
        self._hang = asyncio.Event()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    async def __aenter__(self) -> OpenAIStandin:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._hang.set()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            _, path, _ = lines[0].split(" ", 2)
            headers = {
                k.lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            payload = json.loads(body or b"{}")
            self.seen.append((path, payload))
            if self.behaviour == "hang":
                await self._hang.wait()
                return
            if self.behaviour == "error":
                status, answer = 500, {"error": "overloaded"}
            elif path == "/v1/chat/completions":
                status, answer = (
                    200,
                    {
                        "model": self.model,
                        "choices": [{"message": {"role": "assistant", "content": self.reply}}],
                    },
                )
            elif path == "/v1/moderations":
                text = payload["input"].lower()
                hit = any(w in text for w in self.flag_words)
                status, answer = (
                    200,
                    {
                        "results": [
                            {"flagged": hit, "categories": {"harassment": hit, "violence": False}}
                        ]
                    },
                )
            else:
                status, answer = 404, {"error": "no such path"}
            data = json.dumps(answer).encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                f"content-length: {len(data)}\r\nconnection: close\r\n\r\n".encode()
                + data
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
