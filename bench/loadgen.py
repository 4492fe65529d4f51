"""Open-loop load generator: POST raw mails at a fixed rate, record each latency.

Runs as its own process (so the client does not share the server's interpreter) and prints
one JSON object. Requests are scheduled on the clock, not after the previous answer, so a
slow server shows up as latency instead of as a lower offered rate. The client is aiohttp: an
httpx client spent about 13 ms of CPU per request here, so at 200 req/s it, not the server,
set the ceiling; with aiohttp the client costs about 2 ms per request, mail generation
included (measured beside ``bench/service.py``, 2026-11-30).

    python -m bench.loadgen URL TOKEN --rate 200 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiohttp

SAMPLE_TEXTS = [
    "Hi, the invoice is attached. Please confirm the new delivery date.",
    "Здравствуйте! Макет получили, правки пришлём завтра.",
    "Merhaba, teklifi aldık, yarın dönüş yapacağız. İyi çalışmalar.",
    "안녕하세요, 시안 확인했습니다. 다음 주 미팅 때 뵙겠습니다.",
    "Why is this STILL not done? I want it by tomorrow morning, no extra charge.",
]


def make_mail(i: int, rng: random.Random) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"client{rng.randrange(50)}@example-client{rng.randrange(10)}.com"
    msg["To"] = "studio@provider.example"
    msg["Subject"] = f"Project update {i}"
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="bench.example")
    msg.set_content(rng.choice(SAMPLE_TEXTS) + f"\n\nRef {i}")
    return msg.as_bytes()


async def run(url: str, token: str, rate: float, seconds: float) -> dict:
    rng = random.Random(1)
    total = int(rate * seconds)
    bodies = [make_mail(i, rng) for i in range(total)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    ids: list[tuple[int, float]] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "message/rfc822"}
    connector = aiohttp.TCPConnector(limit=256)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:

        async def one(body: bytes) -> None:
            started = time.perf_counter()
            try:
                async with client.post(url, data=body, headers=headers) as response:
                    code = response.status
                    answer = await response.json()
                if code in (200, 202):
                    ids.append((answer["messages"][0]["id"], time.time()))
            except (aiohttp.ClientError, TimeoutError):
                code = 0
            latencies.append(time.perf_counter() - started)
            statuses[code] = statuses.get(code, 0) + 1

        start = time.perf_counter()
        tasks = []
        for i, body in enumerate(bodies):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(body)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "sent": total, "statuses": statuses, "seconds": elapsed, "achieved_rps": total / elapsed,
        "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "ids": ids,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.url, args.token, args.rate, args.seconds))))


if __name__ == "__main__":
    main()
