"""An ordered map over batches, in this process or in a pool of worker processes.

A stage function here is pure (records in, records out, no hidden I/O), so the same
function runs in a loop or in a ``multiprocessing`` pool; results come back in input
order either way, which keeps every output byte-identical to the single-process one.
DESIGN's measurements: a 2-worker pool ran tokenise + IOB + write in 0.6x the time of one
process; spaCy's own ``n_process`` was slower (it pickles whole ``Doc`` objects).

A pool's workers are forked from a template process (multiprocessing's fork server),
not from this one: the template imports the modules named by ``use_template`` once (the
stages, the tokenizer), so every worker, and every fresh one that replaces a recycled
worker, starts with them loaded, and none of them maps what this process has grown to
hold (its heap, its per-document keys, its Arrow buffers), memory that a forked page
table counts once per worker. Per-process state reaches a worker through its initialiser's
arguments (pickled). A process made by ``in_child`` (a fork of this one) forks its pools
itself.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import itertools
import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many batches a pool costs more (fork, pickling) than it saves.
POOL_MIN_BATCHES = 4
# Batches queued ahead of the slowest worker: bounds memory held in flight (finished
# results wait in the parent, as Arrow tables, until their turn). 2 rather than 4: peak
# RSS of the tree at 100k paragraphs 847 -> 804 MB, one run each of
# benchmarks/build_memory.py (README, Performance).
PREFETCH = 2
# Batches a worker runs before a fresh one replaces it: what a worker accumulates (spaCy's
# StringStore and tokenizer cache grow with every new word: ~850 MB per worker was seen
# midway through the 1M-paragraph benchmark) is bounded by this many batches, not the corpus.
# 100 -> 50 gave the same build time at 1M paragraphs and peak PSS 880 instead of
# 1,005 MB; 50 -> 25 came with the heap release below, together 1,101 -> 1,036 MB peak
# RSS at 1M (one run; README, Performance).
RECYCLE_AFTER = 25

# What the template process imports before it forks a worker (``use_template``).
_template_modules: list[str] = []
# True in a process made by ``in_child``: the fork server belongs to its parent (its
# bookkeeping, copied by the fork, names a process that is not this one's child), so the
# pools of this process fork it instead.
_forked_child = False


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last one shorter), lazily."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def worker_count(requested: int | None) -> int:
    """``requested`` workers, or with None the cores this process may use."""
    if requested is not None:
        return max(1, requested)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def ordered_map(
    fn: Callable[[T], R],
    batches: Iterable[T],
    *,
    workers: int,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
    expected_batches: int | None = None,
) -> Iterator[R]:
    """``fn`` of every batch, in input order: in this process when ``workers`` is 1 or
    there are fewer than ``POOL_MIN_BATCHES`` batches, else in a pool of ``workers``
    processes (forked from the template, see the module's docstring) that never hold more
    than ``PREFETCH`` batches each ahead, each replaced by a fresh one after
    ``RECYCLE_AFTER`` batches."""
    small = expected_batches is not None and expected_batches < POOL_MIN_BATCHES
    if workers <= 1 or small:
        if initializer is not None:
            initializer(*initargs)
        yield from map(fn, batches)
        return
    context = _pool_context()
    release_free_heap()
    start = (initializer, initargs)
    with context.Pool(
        workers, initializer=_start_worker, initargs=start, maxtasksperchild=RECYCLE_AFTER
    ) as pool:
        pending: list[Any] = []
        for batch in batches:
            # The call reaches the worker as bytes that _call unpickles: a function the
            # worker cannot import (one defined in a ``-c`` script or a notebook) is then
            # an error of this batch, where the pool's own unpickling would kill the
            # worker and wait for the lost batch forever.
            task = pickle.dumps((fn, batch), protocol=pickle.HIGHEST_PROTOCOL)
            pending.append(pool.apply_async(_call, (task,)))
            while len(pending) >= workers * PREFETCH:
                yield pending.pop(0).get()
        for result in pending:
            yield result.get()
        pool.close()  # a clean exit: workers finish instead of being terminated
        pool.join()


def _call(task: bytes) -> Any:
    try:
        fn, batch = pickle.loads(task)
    except Exception as exc:
        raise RuntimeError(
            f"a pool worker could not load its batch function or batch ({exc}): the function"
            " must be importable by name in a fresh process (defined at the top level of a"
            " module, not in a -c script or a notebook)"
        ) from None
    return fn(batch)


def use_template(*modules: str) -> None:
    """Name the modules the template process imports before it forks any worker (importing
    them should load what every worker needs). It starts with the first pool of this
    process and keeps the names it started with."""
    _template_modules[:] = modules


def _pool_context() -> Any:
    """The fork server (workers forked from the template), or plain fork in a process
    made by ``in_child`` or where there is no fork server."""
    if _forked_child or "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    # "__main__" as multiprocessing's default has it: a worker need not import the
    # main script again.
    context.set_forkserver_preload(["__main__", *_template_modules])
    return context


def release_free_heap() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``; a no-op
    without glibc): this process then holds them no longer, and a process forked from it
    (``in_child``, a pool there) neither maps nor counts them."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # not glibc
        return None


def in_child(fn: Callable[..., R], *args: Any) -> R:
    """``fn(*args)`` in one forked child process, its result (or exception) returned: what
    ``fn`` allocates goes back to the system when the child exits, so later forks of this
    process (a worker pool) do not inherit it. The arguments are not pickled (fork); the
    result is."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def run() -> None:
        global _forked_child
        _forked_child = True
        _start_worker(None, ())
        # Stopped by the parent (Ctrl-C there): unwind, so that ``with`` blocks in ``fn``
        # remove their temporary folders and stop their own pools.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            outcome: tuple[bool, Any] = (True, fn(*args))
        except BaseException as exc:  # handed to the parent, which raises it
            outcome = (False, exc)
        try:
            send.send(outcome)
        except (OSError, ValueError):
            pass  # the parent is gone (it stopped this child)
        except Exception:  # a result or an exception that does not pickle
            send.send((False, RuntimeError(traceback.format_exc())))

    child = context.Process(target=run)
    child.start()
    send.close()
    received = False
    try:
        ok, value = receive.recv()
        received = True
    except EOFError:
        name = getattr(fn, "__name__", repr(fn))
        raise RuntimeError(f"the child process running {name} died") from None
    finally:  # also on Ctrl-C: the child is stopped, never left running
        receive.close()
        if not received:
            child.terminate()
        child.join()
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _start_worker(initializer: Callable[..., Any] | None, initargs: tuple[Any, ...]) -> None:
    """A worker leaves Ctrl-C to its parent (which stops the pool) and dies quietly on
    SIGTERM (the parent's handler, inherited through fork, would print a traceback)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # What this process had when it was forked (the template's modules and tokenizer, or
    # an ``in_child`` parent's objects) is left out of its garbage collections: a
    # collection writes to the header of every object it walks, so walking the inherited
    # ones would copy their pages into this process (memory that counts once per worker).
    # They are still freed by reference counting.
    gc.freeze()
    if initializer is not None:
        initializer(*initargs)
