# service.sh - running the ad server under load (bash, sourced by
# scripts/demo.sh, bench/adserver/run.sh and the adserver tests; needs
# redis.sh's REDIS_PORT).
#
#   ads_start BUILD MODE OUT    starts build/examples/adserver/adserver in
#                               MODE with cprof serving on 127.0.0.1, log
#                               in OUT/adserver.log; sets ADS_PID, ADS_PORT
#                               (the service) and ADS_PPROF (profiles' base URL)
#   ads_sample OUT              samples /proc/ADS_PID/status every 0.2 s in
#                               the background: OUT/threads.peak, OUT/rss.log
#                               (seconds, VmRSS kB); sets ADS_SAMPLER
#   ads_stop                    stops the sampler and the service (SIGTERM,
#                               then SIGKILL after 10 s); safe to repeat
#   wrk_field FILE WHAT         from wrk --latency output: rps, p50, p90, p99
#                               (latencies in ms)
ADS_PID=
ADS_SAMPLER=

ads_start() {
	local build=$1 mode=$2 out=$3
	for _ in 1 2 3; do
		ADS_PORT=$(free_port)
		local pprof_port
		pprof_port=$(free_port)
		"$build/examples/adserver/adserver" --mode="$mode" \
			--listen="127.0.0.1:$ADS_PORT" --redis="localhost:$REDIS_PORT" \
			--pprof="127.0.0.1:$pprof_port" >"$out/adserver.log" 2>&1 &
		ADS_PID=$!
		ADS_PPROF=http://127.0.0.1:$pprof_port/debug/pprof
		for _ in $(seq 1 100); do
			kill -0 "$ADS_PID" 2>/dev/null || break
			# Whose cprof answers matters: another server may have
			# taken a port that looked free.
			if [[ $(curl -s --max-time 2 "http://127.0.0.1:$ADS_PORT/healthz" 2>/dev/null) == ok ]] &&
				curl -s --max-time 2 "$ADS_PPROF/cmdline" 2>/dev/null | tr '\0' '\n' |
				awk 'NR == 1 && /adserver$/ { ok = 1 } END { exit !ok }'; then
				return 0
			fi
			sleep 0.1
		done
		ads_stop
	done
	fail "the $mode ad server did not start: $(tail -3 "$out/adserver.log")"
}

ads_sample() {
	local out=$1 pid=$ADS_PID
	(
		peak=0
		start=$SECONDS
		while [[ -r /proc/$pid/status ]]; do
			read -r threads rss < <(awk '/^Threads:/ { t = $2 }
				/^VmRSS:/ { r = $2 } END { print t + 0, r + 0 }' \
				"/proc/$pid/status" 2>/dev/null)
			((threads > peak)) && peak=$threads && echo "$peak" >"$out/threads.peak"
			echo "$((SECONDS - start)) $rss" >>"$out/rss.log"
			sleep 0.2
		done
	) &
	ADS_SAMPLER=$!
}

ads_stop() {
	if [[ -n $ADS_SAMPLER ]]; then
		kill "$ADS_SAMPLER" 2>/dev/null || true
		wait "$ADS_SAMPLER" 2>/dev/null || true
		ADS_SAMPLER=
	fi
	if [[ -n $ADS_PID ]]; then
		kill -TERM "$ADS_PID" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$ADS_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$ADS_PID" 2>/dev/null || true
		wait "$ADS_PID" 2>/dev/null || true
		ADS_PID=
	fi
}

# wrk prints latencies as 812.00us, 3.28ms or 1.02s.
wrk_field() {
	local file=$1 what=$2
	case $what in
	rps) awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }' "$file" ;;
	p50 | p90 | p99)
		awk -v p="${what#p}%" '$1 == p {
			v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
			if (u == "us") v /= 1000; else if (u == "s") v *= 1000
			printf "%.2f\n", v }' "$file" ;;
	esac
}
