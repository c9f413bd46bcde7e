"""Run every doctor check on one host, over one connection: one round trip reads everything, a few more with
--bundle (the driver's files compared with the bundle's, as `driver install` checks them)."""

from __future__ import annotations

from pathlib import Path

from toolkit.doctor.checks import (
    FAIL,
    OK,
    Finding,
    check_bonds,
    check_domains,
    check_ha,
    check_lvm_filter,
    check_paths,
    check_release,
    check_srs,
)
from toolkit.doctor.gather import gather
from toolkit.remote.executor import Executor


def examine(ex: Executor, host: str, bundle: Path | None) -> list[Finding]:
    sections = gather(ex)
    findings = [*check_release(sections), *check_paths(sections, host), *check_lvm_filter(sections, host),
                *check_srs(sections, host), *check_ha(sections), *check_bonds(sections, host),
                *check_domains(sections, host)]
    if bundle is not None:
        findings.extend(_driver(ex, host, bundle, sections))
    return findings


def _driver(ex: Executor, host: str, path: Path, sections: dict[str, str]) -> list[Finding]:
    from toolkit.rollout.bundle import check_bundle
    from toolkit.rollout.postcheck import post_check_problems

    bundle = check_bundle(path)
    kernel = next((line.split(" ", 1)[1] for line in sections.get("host", "").splitlines()
                   if line.startswith("kernel ")), "")
    fix = f"xenkit driver install {path} --host {host}"
    if kernel != bundle.kernel:
        return [Finding(FAIL, "driver", f"{path.name} is for kernel {bundle.kernel}; the host runs {kernel}")]
    problems = post_check_problems(ex, bundle, kernel)
    if not problems:
        return [Finding(OK, "driver", f"{path.name}: RPMs, module bytes and vermagic, initrd and multipath "
                                      "configuration as the bundle has them")]
    return [Finding(FAIL, "driver", problem, fix) for problem in problems]


def worst(findings: list[Finding]) -> str:
    return FAIL if any(f.level == FAIL for f in findings) else OK
