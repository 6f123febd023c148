"""gunicorn's settings for this app (gunicorn reads ./gunicorn.conf.py by default; flags on
the command line win).

Threaded workers keep a client's connection open between its requests. API clients (SDKs,
the trainers of benchmarks/distribution.py) send ``next`` and submit back to back; a sync
worker closes the connection after every response, so each request also paid for a new
TCP connection on both ends. Under W2 on 2 cores (benchmarks/README.md), 4 workers of 2
threads served 164-174 submissions/s where 4 sync workers served 131-134, with less CPU
per submission on the client, the server and PostgreSQL alike.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
keepalive = 5  # seconds an idle client connection stays open
