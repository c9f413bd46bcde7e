"""Everything the doctor reads, in one command on the host (one SSH round trip): the sections of one script's
output, each after a `@@xenkit NAME` line. Read-only: it only runs commands that show state."""

from __future__ import annotations

from toolkit.mpstatus.host_status import STATUS_SCRIPT_BODY
from toolkit.remote.executor import Executor, run

MARK = "@@xenkit "
NFS_CHECK_SECONDS = 5

# Each section prints its own facts; a missing tool prints nothing there, and the check says so.
GATHER_SCRIPT = r"""PATH=$PATH:/opt/xensource/bin:/opt/xensource/debug:/usr/sbin:/sbin
INVENTORY=${XENSOURCE_INVENTORY:-/etc/xensource-inventory}
host=$(sed -n "s/^INSTALLATION_UUID=['\"]\{0,1\}\([^'\"]*\)['\"]\{0,1\}\$/\1/p" "$INVENTORY" 2>/dev/null)
@BOUNDED@
echo "@@xenkit host"
echo "uuid $host"
echo "release $(xe host-param-get uuid="$host" param-name=software-version param-key=product_version 2>/dev/null)"
echo "kernel $(uname -r)"
mp=$(xe host-param-get uuid="$host" param-name=other-config param-key=multipathing 2>/dev/null || echo false)
echo "multipathing $mp"
echo "multipathing-field $(xe host-param-get uuid="$host" param-name=multipathing 2>/dev/null || echo -)"
echo "@@xenkit pool"
pool=$(xe pool-list params=uuid --minimal 2>/dev/null)
echo "ha $(xe pool-param-get uuid="$pool" param-name=ha-enabled 2>/dev/null || echo -)"
echo "@@xenkit pbds"
for pbd in $(xe pbd-list host-uuid="$host" params=uuid --minimal 2>/dev/null | tr ',' ' '); do
	sr=$(xe pbd-param-get uuid="$pbd" param-name=sr-uuid)
	attached=$(xe pbd-param-get uuid="$pbd" param-name=currently-attached)
	type=$(xe sr-param-get uuid="$sr" param-name=type)
	scsi=$(xe pbd-param-get uuid="$pbd" param-name=device-config param-key=SCSIid 2>/dev/null || true)
	server=$(xe pbd-param-get uuid="$pbd" param-name=device-config param-key=server 2>/dev/null || true)
	if [ -z "$server" ]; then
		location=$(xe pbd-param-get uuid="$pbd" param-name=device-config param-key=location 2>/dev/null || true)
		case "$location" in
			//*) server=${location#//}; server=${server%%/*} ;;
			*:/*) server=${location%%:*} ;;
		esac
	fi
	answers=-
	if [ -n "$server" ]; then
		if command -v showmount >/dev/null 2>&1; then
			answers=no
			bounded @NFS@ showmount -e "$server" >/dev/null 2>&1 && answers=yes
		else
			answers=no
			bounded @NFS@ bash -c "exec 3<>/dev/tcp/$server/2049" 2>/dev/null && answers=yes
		fi
	fi
	name=$(xe sr-param-get uuid="$sr" param-name=name-label)
	echo "pbd $pbd $sr $attached $type ${scsi:--} ${server:--} $answers $name"
done
echo "@@xenkit vms"
for vm in $(xe vm-list resident-on="$host" is-control-domain=false params=uuid --minimal 2>/dev/null | tr ',' ' '); do
	state=$(xe vm-param-get uuid="$vm" param-name=power-state)
	echo "vm $vm $state $(xe vm-param-get uuid="$vm" param-name=name-label)"
done
echo "@@xenkit domains"
command -v list_domains >/dev/null 2>&1 && list_domains
echo "@@xenkit bonds"
if command -v ovs-appctl >/dev/null 2>&1; then
	for b in $(ovs-appctl bond/list 2>/dev/null | awk -F'\t' 'NR > 1 { print $1 }'); do
		echo "@@xenkit bond $b"
		ovs-appctl bond/show "$b"
	done
fi
echo "@@xenkit lvm"
cat /etc/lvm/lvm.conf 2>/dev/null
echo "@@xenkit multipath"
@STATUS@
""".replace("@NFS@", str(NFS_CHECK_SECONDS))


def gather_script() -> str:
    from toolkit.catalog.jinja_env import render_template

    return (GATHER_SCRIPT.replace("@STATUS@", STATUS_SCRIPT_BODY)
            .replace("@BOUNDED@", render_template("plan-snippets/bounded.sh.j2")))


def check_gather_script(script: str) -> None:
    """Every xe call valid on every release (the host field multipathing, read where it exists, aside)."""
    from toolkit.catalog.xetable import ANY_RELEASE, CURRENT, check_commands
    from toolkit.plan.script_xe import xe_commands_of

    commands = xe_commands_of(script)
    field = [argv for argv in commands if "param-name=multipathing" in argv]
    check_commands([argv for argv in commands if argv not in field], "host doctor script", ANY_RELEASE)
    check_commands(field, "host doctor script", CURRENT)


def gather(ex: Executor) -> dict[str, str]:
    """Section name -> its text (bond sections as "bond NAME")."""
    script = gather_script()
    check_gather_script(script)
    text = run(ex, ["bash", "-c", script], what=f"{ex.name}: reading the host's state", timeout=600).text()
    sections: dict[str, list[str]] = {}
    current = "preamble"
    for line in text.splitlines():
        if line.startswith(MARK):
            current = line[len(MARK):].strip()
            sections.setdefault(current, [])
        else:
            sections.setdefault(current, []).append(line)
    return {name: "\n".join(lines) for name, lines in sections.items()}
