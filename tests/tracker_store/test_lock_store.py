"""Several Rasa servers take turns on one conversation (tracker_store/lock_store.py): ticket numbers
are handed out once and a turn runs only while it holds the lock, with processes racing on a real
Redis. Rasa runs in .venv-rasa, so the race runs there in a subprocess and reports JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

RACE = r"""
import asyncio, json, multiprocessing, sys, time
import redis
from rasa.utils.endpoints import EndpointConfig
from tracker_store.lock_store import AtomicRedisLockStore

HOST, PORT = sys.argv[1], int(sys.argv[2])
PROCESSES, TURNS = 4, 15

def store():
    # as Rasa builds it from endpoints.yml
    return AtomicRedisLockStore(endpoint_config=EndpointConfig(url=HOST, type="x", port=PORT, db=1, key_prefix="race"))

def tickets(barrier, out):
    lock_store = store()
    barrier.wait()
    out.put([lock_store.issue_ticket("tickets") for _ in range(TURNS)])

def turns(barrier, out):
    lock_store, counter = store(), redis.Redis(host=HOST, port=PORT, db=3)
    async def main():
        barrier.wait()
        for _ in range(TURNS):
            async with lock_store.lock("turns", wait_time_in_seconds=0.01):
                seen = int(counter.get("count") or 0)   # read, think, write: loses updates unless alone
                await asyncio.sleep(0.005)
                counter.set("count", seen + 1)
    asyncio.run(main())
    out.put([])

if __name__ == "__main__":
    result = {}
    for name, target in [("tickets", tickets), ("turns", turns)]:
        barrier, out = multiprocessing.Barrier(PROCESSES), multiprocessing.Queue()
        workers = [multiprocessing.Process(target=target, args=(barrier, out)) for _ in range(PROCESSES)]
        for worker in workers: worker.start()
        result[name] = sum((out.get(timeout=120) for _ in workers), [])
        for worker in workers: worker.join(30)
    result["count"] = int(redis.Redis(host=HOST, port=PORT, db=3).get("count") or 0)
    result["left"] = redis.Redis(host=HOST, port=PORT, db=1).keys("*")
    result["left"] = [key.decode() for key in result["left"]]
    print(json.dumps(result))
"""


def test_racing_rasa_servers_get_distinct_tickets_and_take_turns(redis_server: str):
    host, port = redis_server.removeprefix("redis://").split(":")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", RACE, host, port], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    issued = result["tickets"]
    assert len(issued) == 4 * 15 and len(set(issued)) == len(issued), sorted(issued)
    assert result["count"] == 4 * 15  # no turn ran while another held the lock
    # the "turns" lock went with its last ticket; the "tickets" one still holds its unfinished tickets
    assert [key for key in result["left"] if key.endswith("turns")] == []


QUEUED = r"""
import asyncio, sys, time
from rasa.utils.endpoints import EndpointConfig
from tracker_store.lock_store import AtomicRedisLockStore

store = AtomicRedisLockStore(endpoint_config=EndpointConfig(url=sys.argv[1], type="x", port=int(sys.argv[2]), db=1))

async def first():
    async with store.lock("queued"):  # Rasa's own call: default waiting
        await asyncio.sleep(0.3)

async def second():
    await asyncio.sleep(0.05)
    async with store.lock("queued"):
        return time.monotonic()

async def main():
    started = time.monotonic()
    _, got = await asyncio.gather(first(), second())
    print(round(got - started, 3))

asyncio.run(main())
"""


def test_a_message_queued_behind_another_is_served_as_soon_as_it_is_free(redis_server: str):
    host, port = redis_server.removeprefix("redis://").split(":")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", QUEUED, host, port], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    waited = float(done.stdout.strip().splitlines()[-1])
    assert 0.3 <= waited < 0.6  # Rasa's own store looks again only after a whole second
