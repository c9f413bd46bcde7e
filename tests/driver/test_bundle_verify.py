"""`xenkit driver verify BUNDLE`: a bundle made by `driver build --local` read back, then tampered with."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.driver.test_driver_build import installed_kernel


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One real bundle of drivers/demo for the installed kernel headers."""
    import os
    import subprocess
    import sys

    kver = installed_kernel()
    tmp = tmp_path_factory.mktemp("bundle")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "cache")}
    xenkit = Path(sys.executable).parent / "xenkit"
    done = subprocess.run([str(xenkit), "driver", "build", "demo", "--local", "--kernel", kver, "-o", str(tmp)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.splitlines()[-1]), kver


def rewrite(bundle: Path, target: Path, change: Callable[[str, bytes], tuple[str, bytes] | None],
            extra: dict[str, bytes] | None = None) -> Path:
    """A copy of `bundle` with each file member passed through `change` (None drops it), plus `extra`."""
    out = io.BytesIO()
    with tarfile.open(bundle) as source, tarfile.open(fileobj=out, mode="w:gz") as copy:
        for member in source.getmembers():
            if not member.isfile():
                copy.addfile(member)
                continue
            handle = source.extractfile(member)
            assert handle is not None
            changed = change(member.name, handle.read())
            if changed is None:
                continue
            member.name, data = changed[0], changed[1]
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    target.write_bytes(out.getvalue())
    return target


@pytest.mark.integration
def test_a_good_bundle_passes(xenkit: Xenkit, built: tuple[Path, str]) -> None:
    bundle, kver = built
    result = xenkit("driver", "verify", str(bundle), "--kernel", kver)
    assert result.code == 0, result.err
    assert f"{bundle}:xenkit-demo-1.0-1.x86_64.rpm" in result.out and kver in result.out


@pytest.mark.parametrize(("case", "shown"), [
    ("multipath.conf edited", "multipath.conf: sha256 differs from SHA256SUMS"),
    ("install.sh dropped", "SHA256SUMS lists 'install.sh', which is not in the bundle"),
    ("extra member", "evil.sh: not in SHA256SUMS"),
    ("member outside", "is outside the bundle's directory"),
    ("sums dropped", ": no SHA256SUMS"),
])
@pytest.mark.integration
def test_a_tampered_bundle_fails(xenkit: Xenkit, built: tuple[Path, str], tmp_path: Path, case: str,
                                 shown: str) -> None:
    bundle, kver = built
    top = bundle.name.removesuffix(".tar.gz")

    def change(name: str, data: bytes) -> tuple[str, bytes] | None:
        if case == "multipath.conf edited" and name.endswith("/multipath.conf"):
            return name, data + b"# edited\n"
        if (case == "install.sh dropped" and name.endswith("/install.sh")) or (
                case == "sums dropped" and name.endswith("/SHA256SUMS")):
            return None
        return name, data

    extra = {"extra member": {f"{top}/evil.sh": b"rm -rf /\n"}, "member outside": {"../evil.sh": b"x\n"}}
    tampered = rewrite(bundle, tmp_path / bundle.name, change, extra.get(case))
    result = xenkit("driver", "verify", str(tampered), "--kernel", kver)
    assert result.code == 1
    assert shown in result.err


@pytest.mark.integration
def test_a_bundle_for_another_kernel(xenkit: Xenkit, built: tuple[Path, str]) -> None:
    bundle, kver = built
    result = xenkit("driver", "verify", str(bundle), "--kernel", "2.6.32.12-0.7.1.xs6.0.2.542.170665xen")
    assert result.code == 1
    assert f"built for kernel {kver}, expected 2.6.32.12-0.7.1.xs6.0.2.542.170665xen" in result.err
    assert "vermagic says" in result.err


def test_not_a_bundle(xenkit: Xenkit, tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x1f\x8b\x08\x00broken")
    result = xenkit("driver", "verify", str(junk), "--kernel", "1.2.3")
    assert result.code == 2
    assert "not a readable bundle (tar.gz)" in result.err and "Traceback" not in result.err


@pytest.mark.integration
def test_each_argument_gets_its_verdict(xenkit: Xenkit, built: tuple[Path, str], tmp_path: Path) -> None:
    """A good bundle, a tampered one and a file that is no bundle at all: three objects, exit code 2."""
    bundle, kver = built
    tampered = rewrite(bundle, tmp_path / "tampered.tar.gz",
                       lambda name, data: (name, data + b"# edited\n" if name.endswith("/multipath.conf") else data))
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x1f\x8b\x08\x00broken")
    result = xenkit("driver", "verify", str(bundle), str(tampered), str(junk), "--kernel", kver, "--json")
    assert result.code == 2, result.err
    data = json.loads(result.out)
    assert [(v["path"], v["kind"], v["status"]) for v in data] == [
        (str(bundle), "bundle", "ok"), (str(tampered), "bundle", "mismatch"), (str(junk), "bundle", "unreadable")]
    assert [r["source"] for r in data[0]["rpms"]] == [f"{bundle}:xenkit-demo-1.0-1.x86_64.rpm"]
    assert data[1]["errors"] == ["tampered.tar.gz: multipath.conf: sha256 differs from SHA256SUMS (changed after "
                                 "the bundle was made)"]
    assert data[2]["errors"][0].startswith(f"{junk}: not a readable bundle (tar.gz)")
    assert f"ok: {bundle}: 1 module(s) in 1 RPM(s) fit kernel {kver}" in result.err


@pytest.mark.integration
def test_a_corrupt_rpm_in_a_bundle_with_its_sums_redone(xenkit: Xenkit, built: tuple[Path, str],
                                                        tmp_path: Path) -> None:
    """SHA256SUMS and manifest.json made to match a changed RPM: the RPM's own digests still give it away."""
    bundle, kver = built
    with tarfile.open(bundle) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    (rpm,) = [name for name in files if name.endswith(".rpm")]
    (manifest,) = [name for name in files if name.endswith("/manifest.json")]
    (sums,) = [name for name in files if name.endswith("/SHA256SUMS")]
    flipped = bytearray(files[rpm])
    flipped[files[rpm].index(b"A kernel module that does nothing")] ^= 0x20
    changed = {**files, rpm: bytes(flipped)}
    for name in (manifest, sums):  # the manifest first: its own sum is in SHA256SUMS
        for member in (rpm, manifest):
            old, new = (hashlib.sha256(version[member]).hexdigest().encode() for version in (files, changed))
            changed[name] = changed[name].replace(old, new)

    def change(name: str, data: bytes) -> tuple[str, bytes]:
        return name, changed[name]

    tampered = rewrite(bundle, tmp_path / bundle.name, change)
    result = xenkit("driver", "verify", str(tampered), "--kernel", kver)
    assert result.code == 1
    assert result.err.splitlines() == [
        f"error: {bundle.name}:xenkit-demo-1.0-1.x86_64.rpm: corrupt: digests differ from the ones it carries "
        "(header SHA-256, header SHA-1, MD5 of header and payload): damaged or changed since it was built; rpm -K "
        "says DIGESTS NOT OK"]
