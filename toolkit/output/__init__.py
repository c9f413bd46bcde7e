"""Writing files: atomic replacement (atomic.py), what an output path is (target.py: a file, a device, a FIFO,
standard output), and replacing a batch of files with an undo (swap.py)."""

from toolkit.output.atomic import (
    NEW_FILE_MODE,
    PART_SUFFIX,
    AtomicBatch,
    OutputFile,
    Ownership,
    replacing,
    write_all_atomic,
    write_bytes_atomic,
    write_output,
    write_output_bytes,
)

__all__ = [
    "NEW_FILE_MODE",
    "PART_SUFFIX",
    "AtomicBatch",
    "OutputFile",
    "Ownership",
    "replacing",
    "write_all_atomic",
    "write_bytes_atomic",
    "write_output",
    "write_output_bytes",
]
