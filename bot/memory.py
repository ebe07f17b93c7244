"""Give freed heap memory back to the operating system.

CPython frees objects into glibc's heap, which keeps the pages: start-up (imports, the
command tree, the first answers) and each check leave megabytes of free but resident
memory behind, which is what the compose `mem_limit` and the bench count. `malloc_trim`
returns it; elsewhere (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys
from typing import Any

log = logging.getLogger(__name__)


def _load_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own libc (glibc has it)
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_trim = _load_trim()


def settle_after_start() -> None:
    """Once start-up is done: what it freed goes back to the OS, and what it keeps (modules,
    the command tree, ~100k objects) leaves the garbage collector's view, so the full
    collections a check triggers do not walk it again and again (they were tens of ms of
    event-loop lag)."""
    gc.collect()
    gc.freeze()
    release_free_memory()


def release_free_memory() -> None:
    """Return the heap's free pages to the OS (a few milliseconds; once a check or so)."""
    if _trim is not None:
        _trim(0)
