"""gunicorn's settings for this app (gunicorn reads ./gunicorn.conf.py by default; flags on
the command line win).

Sync workers, two per core: ``next`` and submit are CPU-bound in the worker, and a sync
worker takes the next connection only when it is free, so the load spreads evenly. Threaded
workers with keep-alive (``gthread``) were measured too, alternating with sync under W2 on
2 cores (benchmarks/README.md): about the same throughput (149-161 against 135-160
submissions/s) but a client stays with whichever worker accepted it, so busy workers queue
requests while others idle: ``next`` p99 209-397 ms against 130-178 ms.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
