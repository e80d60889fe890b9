"""mtmk's benchmarks: run each from the repository root as ``python -m benchmarks.NAME``.

Importing the package limits BLAS and OpenMP to one thread (unless the caller
set the variables), before any script imports numpy: the benchmarks are timed
on a shared machine, and their child processes inherit the setting.
"""

from benchmarks._harness import limit_threads

limit_threads()
