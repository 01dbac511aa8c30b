"""The first code a job's child process runs (`api.jobs.worker`): before it imports anything heavy, it asks the
kernel to end it the moment the worker that started it dies, then imports and runs the job's target.

Importing the solver and the store takes one to several seconds, more on a loaded machine; a child that did
that first (unpickling a target function imports its module) would outlive a worker killed in those seconds.
This module imports only the standard library, and the target is named ("module:function") and imported
after the kernel has been asked.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def name_of(function: object) -> str:
    """How `main` finds `function` again: "module:qualified name"."""
    return f"{function.__module__}:{function.__qualname__}"  # type: ignore[attr-defined]


def main(parent: int, target: str, args: tuple[str, ...], out: Connection) -> None:
    """End when the worker `parent` is gone (killed), else run `target(*args, out)`."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(3)

    die_with_parent()
    if os.getppid() != parent:  # the worker died before the kernel was asked to tell
        os._exit(3)
    threading.Thread(target=watch, daemon=True).start()  # elsewhere than Linux, and a second line of defence
    module, _, name = target.partition(":")
    getattr(importlib.import_module(module), name)(*args, out)


def die_with_parent() -> None:
    """On Linux, the kernel kills this process the moment its parent dies (prctl PR_SET_PDEATHSIG): a planner
    busy in the search may not get the time to notice for seconds on a loaded machine."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # no libc to ask: the watching thread does it
        pass
