"""The Python side of examples/streaming: generators consumed from Go with
Worker.Stream."""

import asyncio

# What the last count() did; read back by the host with last_run().
_last = {"produced": 0, "closed": False, "finished": False}


def count(n):
    """Yield n items, one at a time. The host's credit paces it: it runs only
    a few items ahead of the Go consumer. When the consumer stops early the
    generator is closed, so the finally block runs."""
    _last.update(produced=0, closed=False, finished=False)
    try:
        for i in range(n):
            _last["produced"] += 1
            yield {"i": i, "square": i * i}
        _last["finished"] = True
    finally:
        _last["closed"] = True
        # print() output reaches the host's hclog logger, not the protocol.
        print(f"count({n}): finally ran after {_last['produced']} items")


def last_run():
    return dict(_last)


async def ticks(n, delay):
    """An async generator streams the same way."""
    for i in range(n):
        await asyncio.sleep(delay)
        yield f"tick {i}"
