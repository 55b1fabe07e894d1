#!/bin/sh
# Fuzzes every parser for a share of SECONDS (default 60 in all), each
# harness tests/fuzz/fuzz_<parser>.c built by the fuzz preset and started
# from its seeds in tests/fuzz/corpus/<parser>/. New inputs go to
# BUILD/corpus/<parser>/, crashes to BUILD/artifacts/<parser>/, so the
# source tree is never written; copy an input worth keeping into the seeds.
#
#   scripts/fuzz.sh [BUILD [SECONDS]]      (make fuzz)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/fuzz}
total=${2:-60}

names=""
n=0
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	names="$names $(basename "$src" .c)"
	n=$((n + 1))
done
if [ "$n" -eq 0 ]; then
	echo "bonomat: no fuzz harnesses yet (tests/fuzz/fuzz_*.c)" >&2
	exit 1
fi
each=$((total / n))
[ "$each" -ge 1 ] || each=1

failed=""
summary=""
for name in $names; do
	parser=${name#fuzz_}
	bin=$build/tests/fuzz/$name
	seeds=tests/fuzz/corpus/$parser
	work=$build/corpus/$parser
	artifacts=$build/artifacts/$parser
	if [ ! -x "$bin" ]; then
		echo "bonomat: $bin is not built (cmake --build --preset fuzz)" >&2
		exit 1
	fi
	mkdir -p "$work" "$artifacts"
	if [ -d "$seeds" ]; then
		set -- "$work" "$seeds"
	else
		echo "bonomat: warning: $seeds is missing: fuzzing from nothing" >&2
		set -- "$work"
	fi
	echo "bonomat: fuzzing $parser for ${each}s"
	log=$build/fuzz-$parser.log
	# The first directory receives new inputs, the others are only read.
	if ! "$bin" -max_total_time="$each" -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="$artifacts/" "$@" >"$log" 2>&1; then
		failed="$failed $parser"
		tail -n 40 "$log" >&2
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crashes=$(find "$artifacts" -type f | wc -l)
	summary="$summary
  $parser: ${execs:-?} execs in ${each}s, $crashes crash files"
done
echo "bonomat: executions per harness (logs in $build/fuzz-*.log):$summary"
if [ -n "$failed" ]; then
	echo "bonomat: fuzzing found bugs in:$failed (inputs in" \
	    "$build/artifacts/; replay one with $build/tests/fuzz/fuzz_<parser> FILE)" >&2
	exit 1
fi
echo "bonomat: fuzzing found nothing; new inputs in $build/corpus/"
