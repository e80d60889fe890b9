"""How much memory this process can still use, probed from the operating system.

The kernel dictionary refuses a Gram stack that would not fit before it
allocates it.  scikit-learn's ``working_memory`` setting (with
:func:`sklearn.utils.gen_batches`) sizes the *temporary* chunks of a
computation; it does not say how much memory the machine, the address-space
limit or the container leaves, which is what refusing an allocation needs.
"""

import os

__all__ = ["available_memory", "format_bytes"]


def _meminfo_available():
    """MemAvailable of /proc/meminfo in bytes, else the physical memory."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError, AttributeError):
        return None


def _read_number(path):
    """The integer in a one-line file, or None if absent, unlimited or unreadable."""
    try:
        with open(path) as fh:
            text = fh.read().strip()
    except OSError:
        return None
    try:
        return int(text)
    except ValueError:      # "max": no limit (cgroup v2)
        return None


def _address_space_headroom():
    """Bytes the soft RLIMIT_AS still allows this process to map, or None."""
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    used = 0
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    used = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    return max(soft - used, 0)


#: Memory limit and usage files of the process's cgroup (v2, then v1).
CGROUP_FILES = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                 "/sys/fs/cgroup/memory/memory.usage_in_bytes"))


def _cgroup_headroom():
    """Bytes left under the cgroup (container) memory limit, or None."""
    for limit_file, usage_file in CGROUP_FILES:
        limit = _read_number(limit_file)
        # cgroup v1 reports "no limit" as a huge number (about 2**63).
        if limit is None or limit >= 2**60:
            continue
        return max(limit - (_read_number(usage_file) or 0), 0)
    return None


def available_memory():
    """Bytes of memory this process can still use.

    The smallest of: MemAvailable (else the physical memory), what the
    address-space limit (``RLIMIT_AS``, ``ulimit -v``) leaves, and what the
    cgroup memory limit (a container's ``memory.max`` or
    ``memory.limit_in_bytes``) leaves.
    """
    bounds = [b for b in (_meminfo_available(), _address_space_headroom(), _cgroup_headroom())
              if b is not None]
    return min(bounds) if bounds else 2**63


def format_bytes(n):
    """``n`` bytes in MiB or GiB, for messages."""
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.2f} MiB"
