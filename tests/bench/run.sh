#!/bin/sh
# Runs the benchmarks on an already built tree (make bench builds the
# release preset first) and prints a summary to paste into the README.
#
#   tests/bench/run.sh [BUILD_DIR]
#
# Environment: BONOMATD (the daemon; default BUILD_DIR/bonomatd),
# BONOMAT_BUILD_DIR (default BUILD_DIR), BONOMAT_SOURCE_DIR. The scratch
# databases go to BUILD_DIR/bench-tmp, on the disk of the build tree (not
# /tmp, which may be in memory), and are removed afterwards; the whole
# output is kept in BUILD_DIR/bench.log.
# BENCH_SECONDS (default 10) is the measured time of each side of the
# issuing benchmark (the daemon, its office and store in process, the bare
# loop, and a minimal HTTP issuer: what any server gets on the machine);
# BENCH_TICKETS (default 500) the tickets that the
# printing benchmark prints one at a time to its TCP printer, before a
# fifth as many again with 100 ms of idle time before each, as tickets come
# at a kiosk. BENCH_STREAMS (default 1000) is the number of idle event
# streams that the events benchmark holds open while 50 tickets are called
# (about 30 s, half of it waiting for their keepalive comment). The report
# benchmark seeds 250,000 tickets (about 10 s) and times the 90-day report
# of GET /api/v1/stats?from=&to= against its budget of a second.
# BENCH_WAITING (default 10000) is the queue of bench_limits (call-next
# against one bare commit, with office_next() in process beside it, the
# peak RSS with every counter's view, GET
# /api/v1/services against a minimal libmicrohttpd server under wrk, the
# start on 400 days x 2,500 tickets against an empty database). The load
# and the CPU and I/O pressure of the machine are printed with the figures:
# other work on the machine, a shared disk above all, moves them a lot.
set -eu

build=${1:-${BONOMAT_BUILD_DIR:-build/release}}
build=$(cd "$build" && pwd)
BONOMAT_BUILD_DIR=${BONOMAT_BUILD_DIR:-$build}
BONOMATD=${BONOMATD:-$build/bonomatd}
seconds=${BENCH_SECONDS:-10}
tickets=${BENCH_TICKETS:-500}
streams=${BENCH_STREAMS:-1000}
waiting=${BENCH_WAITING:-10000}
idle_tickets=$((tickets / 5 > 0 ? tickets / 5 : 1))
bench=$build/tests/bench
scratch=$BONOMAT_BUILD_DIR/bench-tmp
export BONOMAT_BUILD_DIR BONOMATD

for prog in "$BONOMATD" "$bench/bench_issue" "$bench/bench_next" \
	"$bench/bench_print" "$bench/bench_events" "$bench/bench_report" \
	"$bench/bench_limits"; do
	if [ ! -x "$prog" ]; then
		echo "run.sh: $prog is missing; run 'make bench'" >&2
		exit 1
	fi
done
mkdir -p "$scratch"
log=$build/bench.log
: >"$log"
rc=$(mktemp)
trap 'rm -f "$rc"' EXIT
fs=$(df -PT "$scratch" 2>/dev/null | awk 'NR == 2 { print $2 " on " $1 }')

# "load 1.23, cpu some 4.5%, io some 6.7%" (averages of the last minute).
pressure() {
	printf 'load %s' "$(cut -d ' ' -f 1 /proc/loadavg)"
	for r in cpu io; do
		[ -r /proc/pressure/$r ] || continue
		printf ', %s some %s%%' $r "$(sed -n \
			's/^some avg10=[0-9.]* avg60=\([0-9.]*\).*/\1/p' \
			/proc/pressure/$r)"
	done
}
before=$(pressure)

# sh has no pipefail: a failure is noted in a file.
status=0
echo "== bench_issue: POST /api/v1/tickets, 8 clients, $seconds s a side" \
	"($(pressure)) =="
: >"$rc"
{
	"$bench/bench_issue" --daemon "$BONOMATD" --dir "$scratch" \
		--clients 8 --seconds "$seconds" --rounds 20 --warmup 1 ||
		echo bench_issue >>"$rc"
} | tee -a "$log"
echo
echo "== bench_next =="
{
	"$bench/bench_next" --dir "$scratch" --sizes 1000,10000,100000 \
		--calls 20000 --budget 5 --waiting 10000 --next 1000 \
		--issue 200 || echo bench_next >>"$rc"
} | tee -a "$log"
echo
echo "== bench_print: POST /api/v1/tickets to the first byte at a TCP" \
	"printer, $tickets tickets one at a time; the encoder =="
{
	"$bench/bench_print" --daemon "$BONOMATD" --dir "$scratch" \
		--tickets "$tickets" --warmup 20 --iterations 20000 ||
		echo bench_print >>"$rc"
} | tee -a "$log"
echo
echo "== bench_print: $idle_tickets tickets, 100 ms idle before each =="
{
	"$bench/bench_print" --daemon "$BONOMATD" --dir "$scratch" \
		--tickets "$idle_tickets" --warmup 5 --gap 100 \
		--iterations 0 || echo bench_print-idle >>"$rc"
} | tee -a "$log"
echo
echo "== bench_events: $streams idle event streams, 10 s idle, 50 calls" \
	"delivered to each, then their keepalive =="
{
	"$bench/bench_events" --daemon "$BONOMATD" --dir "$scratch" \
		--clients "$streams" --calls 50 --idle 10 ||
		echo bench_events >>"$rc"
} | tee -a "$log"
echo
echo "== bench_report: GET /api/v1/stats?from=&to= of 90 days, 250,000" \
	"tickets over 110 days =="
{
	"$bench/bench_report" --daemon "$BONOMATD" --dir "$scratch" \
		--tickets 250000 --days 110 --period 90 --runs 5 \
		--budget-ms 1000 || echo bench_report >>"$rc"
} | tee -a "$log"
echo
echo "== bench_limits: call-next, memory, services, start; $waiting waiting" \
	"($(pressure)) =="
{
	"$bench/bench_limits" --daemon "$BONOMATD" --dir "$scratch" \
		--waiting "$waiting" --calls 1000 --rounds 5 ||
		echo bench_limits >>"$rc"
} | tee -a "$log"
[ -s "$rc" ] && status=1
rmdir "$scratch" 2>/dev/null || :
after=$(pressure)

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo |
	head -n 1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
rev=$(git -C "${BONOMAT_SOURCE_DIR:-.}" describe --always --dirty \
	2>/dev/null || echo unknown)

echo
echo "---- summary ($(date -u +%Y-%m-%d), commit $rev) ----"
echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $mem RAM," \
	"kernel $(uname -r)"
echo "disk: ${fs:-unknown} ($scratch)"
echo "machine busy before: $before; after: $after"
sed -n 's/^summary: /- /p' "$log"
echo "----"
[ "$status" -eq 0 ] ||
	echo "run.sh: failed: $(cat "$rc") (see above)" >&2
exit "$status"
