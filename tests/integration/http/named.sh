# named.sh - /debug/pprof/<name> through the registry, with fake entries
# (named_target): Go's debug/gc/seconds parameter rules and their order,
# the binary and text forms and their headers, the index rows.
. "$(dirname "$0")/lib.sh"

launch_named() {
	"$HTTP_BIN/named_target" "$PORT" "$@" 2>"$TMP/stderr" &
	PID=$!
}

start_named() {
	on_free_port launch_named "$@"
}

start_named

# --- debug=0 (or absent, or junk): the gzip'd proto as an attachment
for q in "" "?debug=0" "?debug=abc" "?debug=" "?debug=1.0" "?debug=0x1" "?gc=1" "?seconds=" "?debug=%2B0"; do
	fetch "/debug/pprof/fake$q"
	expect_status 200
	expect_header Content-Type "application/octet-stream"
	expect_header Content-Disposition 'attachment; filename="fake"'
	expect_header X-Content-Type-Options nosniff
	expect_no_header X-Go-Pprof
	[ "$(head -c 2 "$TMP/body" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "'$q': body is not gzip"
done
fetch "/debug/pprof/fakeplain"
expect_header Content-Disposition 'attachment; filename="fakeplain"'
ok "debug=0 forms"

# --- debug != 0 (Atoi: signs, out of range clamps, still != 0): text
for q in "?debug=1:1" "?debug=2:2" "?debug=-1:-1" "?debug=%2B3:3" "?debug=99999999999999999999:2147483647" "?debug=-99999999999999999999:-2147483648" "?debug=1&debug=0:1" "?gc=1&debug=1:1"; do
	fetch "/debug/pprof/fake${q%:*}"
	expect_status 200
	expect_header Content-Type "text/plain; charset=utf-8"
	expect_header X-Content-Type-Options nosniff
	expect_no_header Content-Disposition
	expect_no_header X-Go-Pprof
	expect_body "fake profile: total 7\ndebug=${q##*:}\n"
done
ok "debug!=0 forms"

# --- seconds: Go's checks, in Go's order
bad_seconds='invalid value for "seconds" - must be a positive integer'
unsupported='"seconds" parameter is not supported for this profile type'
for v in abc 0 -1 1.5 0x10 "%201" 99999999999999999999 "+"; do
	fetch "/debug/pprof/fake?seconds=$v"
	expect_go_error 400 "$bad_seconds"
	# seconds is parsed before delta support and debug are looked at.
	fetch "/debug/pprof/fakeplain?seconds=$v&debug=1"
	expect_go_error 400 "$bad_seconds"
done
fetch "/debug/pprof/fakeplain?seconds=5"
expect_go_error 400 "$unsupported"
fetch "/debug/pprof/fakeplain?seconds=5&debug=1"
expect_go_error 400 "$unsupported"
fetch "/debug/pprof/fake?seconds=5&debug=1"
expect_go_error 400 "seconds and debug params are incompatible"
fetch "/debug/pprof/fake?debug=2&seconds=%2B5"
expect_go_error 400 "seconds and debug params are incompatible"
ok "seconds errors"

# --- a valid seconds: the delta over that time, as an attachment
start=$(date +%s%N)
fetch "/debug/pprof/fake?seconds=1&debug=x"
expect_status 200
expect_header Content-Type "application/octet-stream"
expect_header Content-Disposition 'attachment; filename="fake-delta"'
expect_no_header X-Go-Pprof
[ "$(head -c 2 "$TMP/body" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "delta body is not gzip"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$elapsed_ms" -ge 900 ] || fail "the delta did not wait its second (${elapsed_ms} ms)"
"$CPROF_BUILD_DIR/tests/tools/pprof_dump" "$TMP/body" >/dev/null || fail "the delta is not a valid profile"
ok "seconds=1 gives fake-delta after ${elapsed_ms} ms"

# --- unknown names, and the trailing slash
for p in fake/ fak fakeplainx FAKE "fake%00" "fake%2F"; do
	fetch "/debug/pprof/$p"
	expect_go_error 404 "Unknown profile"
done
fetch "/debug/pprof/fake/?seconds=abc"
expect_go_error 404 "Unknown profile"
ok "unknown names"

# --- the index lists them, sorted, with counts and escaped descriptions
fetch /debug/pprof/
expect_status 200
expect_body_has "<tr><td>7</td><td><a href='fake?debug=1'>fake</a></td></tr>"
expect_body_has "<tr><td>0</td><td><a href='fakeplain?debug=1'>fakeplain</a></td></tr>"
expect_body_has "<li><div class=profile-name>fake: </div> A &lt;fake&gt; profile &amp; its description.</li>"
expect_body_has "<li><div class=profile-name>fakeplain: </div> </li>"
# index_names: the rows' names, in order, one line; they must be sorted
# (other profile kinds of the library may be listed too).
index_names() {
	grep -o "debug=1'>[^<]*<" "$TMP/body" | sed "s/debug=1'>//; s/<//" >"$TMP/names"
	sort -c "$TMP/names" 2>/dev/null || fail "index not sorted: $(tr '\n' ' ' <"$TMP/names")"
	tr '\n' ' ' <"$TMP/names"
}
names=$(index_names)
for n in cmdline fake fakeplain profile; do
	case " $names" in *" $n "*) ;; *) fail "index lacks $n: $names" ;; esac
done
case " $names" in *" goroutine "*) ;; *)
	grep -q "goroutine?debug=2" "$TMP/body" && fail "goroutine link without a goroutine profile" ;;
esac
ok "index"

# --- with a goroutine profile, the full-dump link appears
start_named goroutine
fetch /debug/pprof/
expect_body_has '<a href="goroutine?debug=2">full goroutine stack dump</a>'
names=$(index_names)
case " $names" in *" goroutine "*) ;; *) fail "index lacks goroutine: $names" ;; esac
fetch "/debug/pprof/goroutine?debug=2"
expect_body "fake profile: total 7\ndebug=2\n"
ok "goroutine link"
