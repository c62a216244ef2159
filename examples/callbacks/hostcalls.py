"""The Python side of examples/callbacks: Python calling Go functions that
the host registered with Worker.RegisterFunc, through taipan.host."""

import asyncio
import threading

import taipan


def from_main(x):
    """A host call from the main thread (the thread that runs calls)."""
    return taipan.host.call("double", x)


def from_threads(n):
    """n threads call the host at the same moment; each Go call runs on its
    own goroutine, so they overlap."""
    results = [None] * n
    start = threading.Barrier(n)

    def work(i):
        start.wait()
        results[i] = taipan.host.call("slow_square", i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


async def from_asyncio(n):
    """await taipan.host.acall(...): the event loop keeps running while the
    host answers (a ticker task counts its turns meanwhile)."""
    ticks = 0
    done = False

    async def ticker():
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0.01)

    t = asyncio.ensure_future(ticker())
    results = await asyncio.gather(*(taipan.host.acall("slow_square", i) for i in range(n)))
    done = True
    await t
    return {"results": results, "ticks": ticks}


def host_error():
    """A failing Go function raises taipan.HostError in Python."""
    try:
        taipan.host.call("fail", "no such user")
    except taipan.HostError as e:
        return "caught taipan.HostError: " + str(e)
    return "no error"
