"""What the host runs for tee_upload.py: a POSIX sh script that writes the part file from its standard input and
hashes the same bytes, and the Python program it prefers for that.

Run as `sh -c SCRIPT sh PART MODE HOW PROGRAM`. MODE is "new" (create or empty PART) or "append" (hash what PART
holds, then append). HOW names the tee to use, or is empty: then the script tries, in this order, Python with
hashlib running PROGRAM (one process, large reads), `tee PART | openssl dgst -sha256`, `tee PART | sha256sum`.
Old dom0s have bash 3.2 as sh and Python 2.4 (no hashlib), others dash and Python 2.7 or 3.

The script prints, each on a line: `xenkit-tee HOW`, then `xenkit-ready` once PART is open and the bytes may come
(`xenkit-cannot` instead, and nothing else, if no tee works or PART cannot be created), and after our EOF:
`xenkit-write STATUS` (0: every byte written), `xenkit-sum SHA256` (of PART's bytes: the old ones and all that came
in) and `xenkit-size N` (PART's size). Any other line is an error message.
"""

from __future__ import annotations

# Python 2.6+ and 3: no f-strings, no print function, no `except ... as`. Like tee, it goes on hashing (and
# reading: the sender must not stall) after a failed write, and reports the failure at the end.
PROGRAM = r"""
import hashlib, os, sys
def main():
    if sys.argv[1:] == ["probe"]:
        hashlib.sha256()
        return 0
    part, mode = sys.argv[1], sys.argv[2]
    digest = hashlib.sha256()
    try:
        if mode == "append":
            old = open(part, "rb")
            block = old.read(1048576)
            while block:
                digest.update(block)
                block = old.read(1048576)
            old.close()
            out = os.open(part, os.O_WRONLY | os.O_APPEND)
        else:
            out = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 438)
    except (IOError, OSError):
        sys.stdout.write("xenkit-cannot\n")
        return 0
    sys.stdout.write("xenkit-ready\n")
    sys.stdout.flush()
    failed = 0
    while True:
        data = os.read(0, 1048576)
        if not data:
            break
        digest.update(data)
        while data and not failed:
            try:
                data = data[os.write(out, data):]
            except OSError:
                sys.stderr.write("%s: %s\n" % (part, sys.exc_info()[1].strerror))
                failed = 1
    try:
        os.close(out)
    except OSError:
        sys.stderr.write("%s: %s\n" % (part, sys.exc_info()[1].strerror))
        failed = 1
    sys.stdout.write("xenkit-write %d\nxenkit-sum %s\nxenkit-size %d\n"
                     % (failed, digest.hexdigest(), os.stat(part).st_size))
    return 0
sys.exit(main())
"""

# fd 3 carries tee's status past the command substitution that collects the digest. The size comes from ls, which
# does not read the file (wc -c would read a device for ever).
SCRIPT = r"""
part=$1 mode=$2 how=$3 program=$4
if [ -z "$how" ]; then
  for how in python3 python openssl sha256sum ""; do
    case $how in
      python*) "$how" -E -c "$program" probe </dev/null >/dev/null 2>&1 && break ;;
      openssl) openssl dgst -sha256 </dev/null >/dev/null 2>&1 && break ;;
      sha256sum) sha256sum </dev/null >/dev/null 2>&1 && break ;;
    esac
  done
fi
echo "xenkit-tee $how"
case $how in
  python*) exec "$how" -E -c "$program" "$part" "$mode" ;;
  openssl) hash="openssl dgst -sha256" ;;
  sha256sum) hash=sha256sum ;;
  *) echo xenkit-cannot; exit 0 ;;
esac
if [ "$mode" = append ]; then true >>"$part"; else true >"$part"; fi || { echo xenkit-cannot; exit 0; }
echo xenkit-ready
exec 3>&1
sum=$(
  if [ "$mode" = append ] && ! cat -- "$part"; then
    echo "xenkit-write 1" >&3
    cat >/dev/null
  else
    if [ "$mode" = append ]; then tee -a -- "$part"; else tee -- "$part"; fi
    echo "xenkit-write $?" >&3
  fi | $hash
)
echo "xenkit-sum $sum"
set -f
set -- $(ls -lnd -- "$part")
echo "xenkit-size $5"
"""
