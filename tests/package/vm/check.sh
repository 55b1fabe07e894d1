#!/bin/sh
# Runs inside the virtual machine of scripts/vm-check.sh, after boot, with
# the bonomat package installed by apt: each check prints "ok WHAT" or
# "FAIL WHAT: why" into /var/log/vm-check.log (read from the disk image
# by scripts/vm-check.sh afterwards) and on the serial console, then the
# machine powers off.
exec >/var/log/vm-check.log 2>&1
echo "VM-CHECK BEGIN"

ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; }
check() { # check WHAT COMMAND...
	what=$1
	shift
	if "$@" >/tmp/out 2>&1; then ok "$what"; else fail "$what: $(tail -3 /tmp/out | tr '\n' ' ')"; fi
}
prop() { systemctl show -p "$1" --value bonomat.service; }
healthz() { curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/healthz; }
# Waits up to $1 seconds for bonomat.service to be active and to answer.
wait_up() {
	i=0
	while [ $i -lt "$1" ]; do
		if [ "$(systemctl is-active bonomat.service)" = active ] &&
		   [ "$(healthz)" = 200 ]; then
			return 0
		fi
		sleep 1
		i=$((i + 1))
	done
	return 1
}

for u in bonomat.service bonomat-backup.timer; do
	state=$(systemctl is-enabled $u)
	[ "$state" = enabled ] && ok "$u enabled" || fail "$u enabled: $state"
done

if wait_up 120; then ok "started at boot, /healthz 200"; else
	fail "started at boot: $(systemctl is-active bonomat.service), /healthz $(healthz)"
fi
pid=$(prop MainPID)
user=$(stat -c %U /proc/"$pid" 2>/dev/null)
[ "$user" = bonomat ] && ok "runs as bonomat" || fail "runs as bonomat: $user"
owner=$(stat -c %U:%a /var/lib/bonomat/bonomat.db 2>/dev/null)
[ "$owner" = bonomat:600 ] && ok "database bonomat:600" || fail "database: $owner"
check "services answered" sh -c \
	'curl -sf http://127.0.0.1:8080/api/v1/services | grep -q "\"id\":\"A\""'

check "backup service" systemctl start bonomat-backup.service
n=$(ls /var/backups/bonomat/ 2>/dev/null | grep -c '\.db$')
[ "$n" -ge 1 ] && ok "backup file written" || fail "backup file written: $n"
next=$(systemctl show -p NextElapseUSecRealtime --value bonomat-backup.timer)
[ -n "$next" ] && ok "backup timer scheduled ($next)" || fail "backup timer scheduled"

if grep -q '^ExecReload' /lib/systemd/system/bonomat.service; then
	sed -i '0,/^name = .*/s//name = Biroul de test/' /etc/bonomat/bonomat.conf
	check "reload" systemctl reload bonomat.service
	if curl -s http://127.0.0.1:8080/api/v1/office | grep -q 'Biroul de test'; then
		ok "reload applied the new name"
	else
		fail "reload applied the new name: $(curl -s http://127.0.0.1:8080/api/v1/office | head -c 200)"
	fi
	[ "$(prop MainPID)" = "$pid" ] && ok "reload kept the process" ||
		fail "reload kept the process"
	cp /etc/bonomat/bonomat.conf /tmp/good.conf
	echo "this is not a key" >>/etc/bonomat/bonomat.conf
	systemctl reload bonomat.service
	sleep 2
	if wait_up 10 && [ "$(prop MainPID)" = "$pid" ]; then
		ok "broken config refused, daemon still serving"
	else
		fail "broken config refused: $(systemctl is-active bonomat.service)"
	fi
	if journalctl -b -u bonomat.service --no-pager | grep -q 'bonomat.conf:[0-9]'; then
		ok "reload error logged as FILE:LINE"
	else
		fail "reload error logged as FILE:LINE"
	fi
	cp /tmp/good.conf /etc/bonomat/bonomat.conf
else
	fail "reload: the unit has no ExecReload"
fi

check "restart" systemctl restart bonomat.service
wait_up 60 && ok "up after restart" || fail "up after restart"

# A crash: systemd starts it again (Restart=on-failure).
restarts=$(prop NRestarts)
kill -9 "$(prop MainPID)"
sleep 3
if wait_up 60 && [ "$(prop NRestarts)" -gt "$restarts" ]; then
	ok "restarted after kill -9"
else
	fail "restarted after kill -9: $(systemctl is-active bonomat.service)"
fi

# A hang: the watchdog (WatchdogSec=30) kills it and systemd starts it again.
restarts=$(prop NRestarts)
kill -STOP "$(prop MainPID)"
i=0
while [ $i -lt 90 ] && [ "$(prop NRestarts)" = "$restarts" ]; do
	sleep 1
	i=$((i + 1))
done
if wait_up 60 && [ "$(prop NRestarts)" -gt "$restarts" ]; then
	ok "watchdog restarted a hung daemon"
else
	fail "watchdog: $(systemctl is-active bonomat.service), NRestarts $(prop NRestarts)"
fi

check "units verified" systemd-analyze verify \
	/lib/systemd/system/bonomat.service \
	/lib/systemd/system/bonomat-backup.service \
	/lib/systemd/system/bonomat-backup.timer
echo "exposure: $(systemd-analyze security bonomat.service 2>/dev/null | tail -1)"

check "stop" systemctl stop bonomat.service
if journalctl -b -u bonomat.service --no-pager | grep -q 'SIGTERM received'; then
	ok "stopped by SIGTERM, cleanly"
else
	fail "stopped by SIGTERM"
fi

journalctl -b -u bonomat.service --no-pager | tail -15
echo "VM-CHECK END"
sync
cat /var/log/vm-check.log >/dev/ttyS0 2>&1
systemctl poweroff
