"""Batches of generate_cases written by several processes, each with its own connection.

Composing a batch is Python (one core) and storing it is PostgreSQL (another), and one process
does one then the other: with two processes, one composes while the other's batch is stored.
Batch k goes to process k mod N. Each process composes its batch, then waits for its turn to
draw ids (batches draw them in order, so the same seed gives the same cases the same ids as one
process would), then writes and commits on its own. A process that fails stops the run: the
others are ended and the error is raised; the batches committed stay, as they would in one
process.
"""

import multiprocessing
import queue
import traceback
from dataclasses import dataclass

from django.core.management.base import CommandError
from django.db import connections, transaction

POLL_SECONDS = 1


@dataclass
class Plan:
    count: int
    batch: int

    @property
    def batches(self):
        return -(-self.count // self.batch)

    def bounds(self, number):
        first = number * self.batch
        return first, min(self.batch, self.count - first)


class Turn:
    """Held by batch `number` while it draws its ids; entered once the batch before let go."""

    def __init__(self, condition, next_batch, number):
        self.condition, self.next_batch, self.number = condition, next_batch, number

    def __enter__(self):
        with self.condition:
            self.condition.wait_for(lambda: self.next_batch.value == self.number)

    def __exit__(self, *exc):
        with self.condition:
            self.next_batch.value = self.number + 1
            self.condition.notify_all()


def write_batches(writer, plan, processes):
    """Yield each batch's Written as it commits, in whatever order they commit."""
    context = multiprocessing.get_context("fork")
    condition, next_batch = context.Condition(), context.Value("q", 0)
    reports = context.Queue()
    connections.close_all()  # each process opens its own; a shared socket would mix replies
    workers = [
        context.Process(target=_work, args=(writer, plan, index, processes, condition,
                                            next_batch, reports), daemon=True)
        for index in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        yield from _collect(reports, workers, plan.batches)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()


def _collect(reports, workers, expected):
    received = 0
    while received < expected:
        try:
            kind, value = reports.get(timeout=POLL_SECONDS)
        except queue.Empty:
            _check_alive(workers, reports)
            continue
        if kind == "error":
            raise CommandError(f"A writer process failed:\n{value}")
        received += 1
        yield value


def _check_alive(workers, reports):
    """A process killed (by the OOM killer, say) reports nothing: noticed by its exit code."""
    dead = [w for w in workers if w.exitcode not in (None, 0)]
    if dead:
        raise CommandError(f"A writer process died (exit code {dead[0].exitcode}).") from None
    # A report sent just before its process ended is in the pipe: read it before concluding.
    if all(w.exitcode == 0 for w in workers) and reports.empty():
        raise CommandError("The writer processes ended before every batch was written.")


def _work(writer, plan, index, processes, condition, next_batch, reports):
    try:
        for number in range(index, plan.batches, processes):
            first, size = plan.bounds(number)
            with transaction.atomic():
                written = writer.write(first, size, turn=Turn(condition, next_batch, number))
            reports.put(("done", written))
    except BaseException:  # noqa: BLE001 (the parent reports it and stops the run)
        reports.put(("error", traceback.format_exc()))
    finally:
        connections.close_all()
