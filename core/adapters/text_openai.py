"""The ``TextGenerator`` of a local run: any OpenAI-compatible chat-completions
endpoint by URL (a llama.cpp or Ollama server, say), over the runtime's HTTP client
with a timeout. Edge-safe code, but only the local runtime wires it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from core.ports import AiUnavailable, Generated, HttpClient, HttpError


@dataclass(frozen=True, slots=True)
class OpenAICompatibleGenerator:
    http: HttpClient
    url: str  # the API base, e.g. http://127.0.0.1:8080/v1
    model: str
    api_key: str | None = None
    timeout: float = 30.0

    async def generate(self, system: str, prompt: str, *, max_tokens: int) -> Generated:
        headers = {"content-type": "application/json"}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        payload = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": prompt},
            ],
            "max_tokens": max_tokens,
            "stream": False,
        }
        try:
            response = await self.http.request(
                "POST",
                self.url.rstrip("/") + "/chat/completions",
                headers=headers,
                body=json.dumps(payload).encode(),
                timeout=self.timeout,
            )
        except HttpError as error:
            raise AiUnavailable(f"text generator: {error}") from error
        if response.status != 200:
            raise AiUnavailable(f"text generator answered {response.status}")
        try:
            data = response.json()
            text = data["choices"][0]["message"]["content"]
            model = data.get("model") or self.model
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise AiUnavailable("text generator answered something else") from error
        if not isinstance(text, str):
            raise AiUnavailable("text generator answered no text")
        return Generated(text=text, model=str(model))
