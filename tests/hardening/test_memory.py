"""The server's peak memory stays within a budget while it takes the largest
image it accepts and a 300 MiB body on every route (issue 16, points 1 and 4)."""

from __future__ import annotations

import io
import re
import socket
from pathlib import Path

import httpx
from PIL import Image

from core.assets.images import DECODE_BUDGET, MAX_DECODED_PIXELS
from tests.served import served, sign_up

MIB = 1024 * 1024
HUGE = 300 * MIB
# Above the server's resident size once warmed up: the image decode budget and
# its working copies, and room for the allocator; never a body's size.
BUDGET = DECODE_BUDGET + 60 * MIB


def peak_rss(pid: int) -> int:
    """The process's high-water resident memory (VmHWM), in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def huge_body(base_url: str, method: str, path: str) -> int:
    """Send headers announcing 300 MiB, then as much of it as the server takes;
    returns the status it answered."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {HUGE}\r\n\r\n".encode()
        )
        chunk = b" " * MIB
        sock.settimeout(0.2)
        answer = b""
        for _ in range(300):
            try:
                sock.sendall(chunk)
            except OSError:
                break  # the server answered and closed
            try:
                answer += sock.recv(65536)
            except TimeoutError:
                continue
            if answer:
                break
        sock.settimeout(10)
        while b"\r\n" not in answer:
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    return int(answer.split(b" ", 2)[1])


def largest_images() -> list[tuple[str, bytes, str]]:
    side = int(MAX_DECODED_PIXELS**0.5)
    png = io.BytesIO()
    Image.linear_gradient("L").resize((side, side)).convert("RGB").save(png, "PNG")
    jpeg = io.BytesIO()
    Image.linear_gradient("L").resize((7300, 5475)).convert("RGB").save(jpeg, "JPEG", quality=40)
    return [("big.png", png.getvalue(), "image/png"), ("big.jpg", jpeg.getvalue(), "image/jpeg")]


def test_peak_memory_stays_within_the_budget(tmp_path: Path) -> None:
    images = largest_images()
    with served(tmp_path, CREATOR_EDGE_RATE_LIMIT="1000000") as server:
        pid = server.process.pid
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            signed = sign_up(client, "memory")
            auth = signed["auth"]
            small = io.BytesIO()
            Image.new("RGB", (64, 64)).save(small, "PNG")
            warm = client.post(  # the decoder and its libraries loaded once
                "/api/assets",
                headers=auth,
                files={"file": ("s.png", small.getvalue(), "image/png")},
                data={"purpose": "asset"},
            )
            assert warm.status_code == 201, warm.text
            document = client.get("/openapi.json").json()
            reset_peak(pid)
            baseline = peak_rss(pid)

            for name, data, media in images:
                response = client.post(
                    "/api/assets",
                    headers=auth,
                    files={"file": (name, data, media)},
                    data={"purpose": "asset"},
                )
                assert response.status_code == 201, (name, response.text)
            tiny = io.BytesIO()  # the case: 40 MP in a few tens of KB
            Image.new("RGB", (6320, 6320), (9, 9, 9)).save(tiny, "PNG", optimize=True)
            refused = client.post(
                "/api/assets",
                headers=auth,
                files={"file": ("tiny.png", tiny.getvalue(), "image/png")},
                data={"purpose": "asset"},
            )
            assert refused.status_code == 422
            after_images = peak_rss(pid)

            statuses = {}
            for path, operations in document["paths"].items():
                concrete = re.sub(r"\{[^}]+\}", "01x", path)
                for method in operations:
                    statuses[(method, path)] = huge_body(server.base_url, method.upper(), concrete)
            assert huge_body(server.base_url, "DELETE", "/api/me") == 413
            after_bodies = peak_rss(pid)

    assert set(statuses.values()) == {413}, statuses
    assert after_images - baseline <= BUDGET, (baseline, after_images)
    assert after_bodies - baseline <= BUDGET, (baseline, after_bodies)
    print(
        f"peak RSS: baseline {baseline / MIB:.0f} MiB, +{(after_images - baseline) / MIB:.0f} MiB"
        f" after the largest images, +{(after_bodies - baseline) / MIB:.0f} MiB after"
        f" {len(statuses)} routes x 300 MiB (budget +{BUDGET / MIB:.0f} MiB)"
    )
