"""An indexed binary heap of timers, shared by the drivers: ``key`` (time) and ``item``
(timer id) per heap slot and ``position`` (slot) per timer, so that any timer's time
can change in O(log n). Ties go to the lower timer id, so that the order of
simultaneous events does not depend on history.
"""

import numpy as np
from numba import njit

from neurodyn.config import inline_options, jit_options

INLINE = inline_options()
HELPER = jit_options()


# Written out without helpers that take arrays: each such call made Numba update the
# arrays' reference counts (atomic operations) at every step of the sift.
@njit(**HELPER)
def sift(key, item, position, i):
    """Restore the heap order around slot ``i`` after its key changed (ties: lower item
    first, so that the order of simultaneous events does not depend on history)."""
    k, it = key[i], item[i]
    while i > 0:
        parent = (i - 1) >> 1
        if not (k < key[parent] or (k == key[parent] and it < item[parent])):
            break
        key[i], item[i] = key[parent], item[parent]
        position[item[i]] = i
        i = parent
    size = key.shape[0]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        other = child + 1
        if other < size and (
            key[other] < key[child] or (key[other] == key[child] and item[other] < item[child])
        ):
            child = other
        if not (key[child] < k or (key[child] == k and item[child] < it)):
            break
        key[i], item[i] = key[child], item[child]
        position[item[i]] = i
        i = child
    key[i], item[i] = k, it
    position[it] = i


@njit(**HELPER)
def empty_timer_heap(n):
    """(key, item, position) of ``n`` timers, none set (inf): any order is a heap."""
    return np.full(n, np.inf), np.arange(n), np.arange(n)


@njit(**INLINE)
def set_timer(key, item, position, timer, time):
    """Give ``timer`` a new time."""
    slot = position[timer]
    key[slot] = time
    sift(key, item, position, slot)


@njit(**HELPER)
def sorted_timer_heap(times):
    """(key, item, position) of timers with ``times`` (a sorted array is a heap)."""
    item = np.argsort(times, kind="mergesort")
    position = np.empty(times.shape[0], np.int64)
    for slot in range(times.shape[0]):
        position[item[slot]] = slot
    return times[item], item, position
