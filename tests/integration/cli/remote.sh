# remote.sh: profiles over https and through redirects, from Go's own
# net/http/pprof (goprof serve, with a self-signed certificate made now
# for 127.0.0.1). Checked: redirects are followed (and a redirect loop is
# one error line after 10, as Go stops), https with the certificate
# trusted through SSL_CERT_FILE (as Go trusts it) and with go tool
# pprof's https+insecure://, an untrusted certificate refused in one
# line, an http -> https redirect, and Go's X-Go-Pprof error text after a
# redirect and over TLS, against go tool pprof's own line.
source "$(dirname "$0")/lib.sh"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 2>/dev/null
"$TMP/cliprof" serve "$TMP/port" cert.pem key.pem &
CLEANUP_PIDS+=($!)
for _ in $(seq 1 100); do
	[[ -s $TMP/port ]] && break
	sleep 0.1
done
[[ -s $TMP/port && -s $TMP/port.tls ]] || fail "goprof serve did not start"
http=http://127.0.0.1:$(cat port)
https=https://127.0.0.1:$(cat port.tls)
insecure=https+insecure://127.0.0.1:$(cat port.tls)

# expect_ok WANT_TYPE ARGS...: status 0 and a report of that type.
expect_ok() {
	local want=$1
	shift
	timeout 60 "$CPROF_CLI" "$@" >out 2>err ||
		fail "cprof $*: status $?: $(cat err)"
	grep -q "^Type: $want\$" out || fail "cprof $*: no $want report: $(head -3 out)"
	pass "cprof $*: a $want report"
}

# Redirects.
expect_ok inuse_space top "$http/redirect/heap"
expect_ok goroutine traces "$http/redirect/goroutine"
expect_error "stopped after 10 redirects" top "$http/loop"
go tool pprof -top "$http/loop" >/dev/null 2>&1 &&
	fail "go tool pprof read a redirect loop"
want=$(go tool pprof -top "$http/redirect/nosuch" 2>&1 | grep 'server response' || true)
[[ -n $want ]] || fail "go tool pprof printed no server response"
expect_error "${want#*http fetch: }" top "$http/redirect/nosuch"

# https: trusted as Go trusts it, or not checked at all; never silently.
SSL_CERT_FILE=$TMP/cert.pem expect_ok inuse_space top "$https/debug/pprof/heap"
SSL_CERT_FILE=$TMP/cert.pem go tool pprof -top "$https/debug/pprof/heap" \
	2>/dev/null | grep -q '^Type: inuse_space$' ||
	fail "go tool pprof does not read $https with SSL_CERT_FILE"
expect_ok inuse_space top "$insecure/debug/pprof/heap"
expect_error "http fetch:" top "$https/debug/pprof/heap"
grep -qi certificate err || fail "no word of the certificate: $(cat err)"
SSL_CERT_FILE=$TMP/cert.pem expect_ok inuse_space top "$http/tohttps/heap"
want=$(go tool pprof -top "$insecure/debug/pprof/nosuch" 2>&1 |
	grep 'server response' || true)
[[ $want == *" - "* ]] || fail "go tool pprof printed no X-Go-Pprof text: $want"
expect_error "${want#*http fetch: }" top "$insecure/debug/pprof/nosuch"

# fetch saves what it read over https after a redirect.
SSL_CERT_FILE=$TMP/cert.pem timeout 60 "$CPROF_CLI" fetch -o saved.pb.gz \
	"$http/tohttps/heap" 2>err || fail "cprof fetch over https: $(cat err)"
expect_ok inuse_space top saved.pb.gz
