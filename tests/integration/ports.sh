# ports.sh - picking a loopback port for a test's server (sourced by lib.sh
# and http/lib.sh; the caller defines fail).

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	fail "no free port"
}
