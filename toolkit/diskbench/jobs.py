"""The fio job files (the admin's two random-read jobs) and the built-in seek timing, as sent to the guest."""

from __future__ import annotations

from dataclasses import dataclass

JOB_NAME = "xenkit-random-read"  # fio lays its file out as DIR/<job name>.0.0, removed after each run


@dataclass(frozen=True)
class BenchSizes:
    fio_size: str = "128m"  # the admin's size=128m
    fio_runtime: int = 60  # seconds; fio stops a job there even if the size is not read yet
    seek_count: int = 10000
    seek_seconds: float = 20.0


def fio_job(kind: str, directory: str, sizes: BenchSizes) -> str:
    """kind "sync": the admin's first job (ioengine=sync, iodepth 1, through the page cache); "libaio": the second
    (libaio, iodepth=8, direct=1, invalidate=1)."""
    lines = [f"[{JOB_NAME}]", "rw=randread", "bs=4k", f"size={sizes.fio_size}", f"directory={directory}",
             f"runtime={sizes.fio_runtime}"]
    if kind == "libaio":
        lines += ["ioengine=libaio", "iodepth=8", "direct=1", "invalidate=1"]
    elif kind != "sync":
        raise ValueError(f"unknown fio job kind {kind!r}")
    return "\n".join(lines) + "\n"


# Random 512-byte reads at random sector offsets of a device or a file, timed; the page cache is asked to drop
# the file's pages first where the Python has posix_fadvise. Python 2.4+ and 3 syntax: it runs in whatever
# python the guest has.
SEEK_SCRIPT = """\
import os, random, sys, time
path, count, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
fd = os.open(path, os.O_RDONLY)
size = os.lseek(fd, 0, 2)
if size < 1048576:
    sys.stderr.write("%s: %d bytes: too small for a seek test\\n" % (path, size))
    sys.exit(2)
if hasattr(os, "posix_fadvise"):
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
sectors = size // 512
done = 0
start = time.time()
while done < count and time.time() - start < limit:
    os.lseek(fd, random.randrange(sectors) * 512, 0)
    os.read(fd, 512)
    done += 1
print("seeks %d %.6f %d" % (done, time.time() - start, size))
"""
