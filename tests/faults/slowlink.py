#!/usr/bin/env python3
"""slowlink.py -- a Redis link whose answers come late now and then.

    slowlink.py LISTEN UPSTREAM SEED SHARE MAX_MS

Listens on the unix socket LISTEN and joins each client to the unix
socket UPSTREAM.  What the client sends goes on at once; what comes back
is held, for SHARE (0..1) of the reads, a random 0..MAX_MS ms (seeded:
SEED and the connection's number), in order.  It is the link of a daemon
on a busy or distant host: its commands reach Redis on time, their
answers reach it late, by a different amount each time.
"""
import asyncio
import os
import random
import sys
import time


async def pipe_up(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


LATE = [0.0]


async def pipe_down(reader, writer, rng, share, max_ms):
    due = 0.0
    try:
        while True:
            data = await reader.read(1 << 20)
            if not data:
                break
            now = time.monotonic()
            hold = rng.uniform(0, max_ms) / 1000 if rng.random() < share else 0
            due = max(due, now + hold)
            if due > now:
                await asyncio.sleep(due - now)
            writer.write(data)
            await writer.drain()
            late = time.monotonic() - now
            if late > LATE[0]:
                LATE[0] = late
                print("held up to %.0f ms" % (late * 1000), flush=True)
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


def main():
    listen, upstream, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    share, max_ms = float(sys.argv[4]), float(sys.argv[5])
    count = [0]

    async def client(creader, cwriter):
        count[0] += 1
        rng = random.Random(seed * 1000 + count[0])
        try:
            ureader, uwriter = await asyncio.open_unix_connection(
                upstream, limit=1 << 22)
        except OSError:
            cwriter.close()
            return
        await asyncio.gather(pipe_up(creader, uwriter),
                             pipe_down(ureader, cwriter, rng, share, max_ms))

    async def serve():
        if os.path.exists(listen):
            os.unlink(listen)
        server = await asyncio.start_unix_server(client, path=listen,
                                                 limit=1 << 22)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
