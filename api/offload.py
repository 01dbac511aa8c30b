"""The API process's planning done in a short-lived child process, one per call, so that its memory is the
child's and goes back to the system when the child ends.

An API process plans on behalf of its callers (a small plan at once, what-ifs, help, explanations, a
department report's override effects, the live re-plan). Done in the process's own threads, each burst
allocates and frees tens of MB inside glibc's heaps. `call(function, *args)` runs `function(*args)` in a child
forked from a fork server that imported the solver once (`PRELOAD`), sends the arguments and the answer
through a pipe (pickled), and re-raises the child's exception in the caller. A child costs a fork and the
pickling of a scenario and a plan (40 ms for nothing, 0.1 s more than in a thread for the demo's plan); it ends
with its parent's fork server, which ends with the API process.

`function` must be importable by name (a module-level function) and its arguments and answer picklable.
With `in_child` false (the default, `TANDEM_PLAN_IN_CHILD=false`; tests that replace a solver function in the
process), the function runs in the calling thread.

Measured (benchmarks/RESULTS.md, "Soak", runs 11-14): the API processes' resident size still rose about 1 MB a
minute in 10 and 20 minutes of mixed traffic with every planner in a child, as it did in threads, so that rise
is not the planners'; the fork server holds about 155 MB per API process and a what-if's p50 rose from about
0.2-0.4 to 0.6-0.9 s. Hence off by default: for a deployment that wants a planner's memory and crashes kept out of
the API process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import pickle
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from api.child import die_with_parent

T = TypeVar("T")

PRELOAD = [
    "__main__",  # imported once by the fork server, so that no child imports the main script again
    "api.offload",
    "solver.run",
    "solver.counterfactual",
    "solver.help",
    "solver.local",
    "solver.tradeoffs",
    "triage.explain",
]
"""Imported once by the fork server, so that a child starts with the solver loaded (importing it takes one to
several seconds) and does not import the program's main script again (multiprocessing does that in each child
unless the server has)."""

_context: Any = None
_guard = threading.Lock()


def call(in_child: bool, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)`, in a child process when `in_child`, else in this thread. A time limit that
    counts from the caller's start (`solver.run.plan(started=...)`) may be passed as a `time.perf_counter()`
    instant: on Linux it reads the machine's monotonic clock, the same in every process."""
    if not in_child:
        return function(*args, **kwargs)
    context = _fork_server()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_run, args=(function, args, kwargs, send), daemon=True, name="tandem-plan")
    child.start()
    send.close()
    try:
        try:
            ok, value = receive.recv()
        except EOFError as exc:  # killed (out of memory, a signal) before it answered
            child.join()
            raise RuntimeError(f"the planning process ended without an answer (exit code {child.exitcode})") from exc
    finally:
        receive.close()
        child.join()
        child.close()
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


def warm() -> None:
    """Start the fork server now (it imports the solver: seconds), so that the first caller does not wait."""
    _fork_server()
    multiprocessing.forkserver.ensure_running()


def _fork_server() -> Any:
    global _context
    with _guard:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


def _run(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], out: Connection) -> None:
    """In the child: run, and send (True, answer) or (False, the exception). The child ends with the fork
    server (`api.child`), which ends with the API process: a planner is not left running for nobody."""
    die_with_parent()
    try:
        answer: tuple[bool, Any] = (True, function(*args, **kwargs))
    except Exception as exc:  # the caller re-raises it
        answer = (False, _sendable(exc))
    out.send(answer)
    out.close()


def _sendable(exc: Exception) -> Exception:
    """The exception itself when it survives pickling, else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # an exception class whose constructor takes other arguments than its args
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
