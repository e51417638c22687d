# heap_accuracy.sh PROGRAM RATE ALLOCATOR: the heap profile of heap_sites
# (known live bytes per site, a churned GiB) against the truth it prints,
# read through pprof_dump and through `go tool pprof -sample_index=...`.
#   RATE low:      CPROF_MEM_RATE=8192; every estimate within ±10 %
#   RATE default:  CPROF_MEM_RATE unset (524288); within 4 standard
#                  deviations of the estimate
#   ALLOCATOR glibc | jemalloc | tcmalloc: the allocator preloaded after
#                  libcprof (and the one the program must find it talks to)
#
# Tolerances come from the sampling maths (derivation in heap_sites.c,
# site_var): an allocation of s bytes at rate R is sampled with probability
# p = 1 - exp(-s/R) and counted as s/p bytes, so a site's estimate is
# unbiased with variance sum(s^2 (1-p)/p) over its allocations: for n
# allocations of equal size, a relative standard deviation of
# sqrt((1-p)/(n p)). heap_sites prints that standard deviation (sd) per
# site for the rate in force.
#
# Why 8192: the noisiest sites are 32 MiB of 1 KiB blocks (n = 32768). For
# ±10 % to be 4 sd we need n p/(1-p) >= 1600, i.e. p >= 0.0466, i.e.
# R <= 1024 / -ln(1 - 0.0466) = 21476; at 16384 ±10 % is 4.6 sd, at 8192
# (p = 0.1175, relative sd 1.5 %) it is 6.6 sd, so a false failure is
# ~1e-10 per check. The script asserts 4 sd <= 10 % for every site, so a
# change to heap_sites that breaks this is caught. The churning site (1 GiB
# in 16 KiB blocks) has relative sd 0.15 %; the 1 MiB sites ~0.
#
# At the default rate the 1 KiB sites have relative sd 12.5 % (4 sd = 50 %),
# the 1 MiB sites 7 % (4 sd = 28 %), the churn 2.2 % and the total 4.1 %.
# Each check fails by chance with probability 6e-5 (two-sided 4 sd).
#
# The churning site allocates and frees at once: its in-use estimate must
# be 0 (every sampled block's free is seen), allowed up to 1 % of its
# allocated bytes.
#
# Lost samples. A record cprof could not keep (its capture ring full, the
# collector starved of CPU on a loaded machine, despite heap_sites' pacing)
# is counted in the profile's "[cprof] lost samples" frame; it moves one
# site's estimates by at most that site's largest sample weight W (s/p,
# printed by heap_sites). A run that lost samples is run again (three runs
# at most); if the last still lost some, every tolerance grows by
# lost x W, and more than LOST_MAX lost samples fail the test (the check
# would mean nothing). Losses themselves are heap_threads_no_phantom's
# business.
source "$(dirname "$0")/lib.sh"
program=$1
rate_mode=$2
allocator=$3

case $allocator in
glibc) preload=$CPROF_LIB ;;
jemalloc) preload="$CPROF_LIB /usr/lib/x86_64-linux-gnu/libjemalloc.so.2" ;;
tcmalloc) preload="$CPROF_LIB /usr/lib/x86_64-linux-gnu/libtcmalloc.so.4" ;;
*) fail "unknown allocator $allocator" ;;
esac
for f in $preload; do
	[[ -e $f ]] || fail "$f missing (scripts/debian-packages.txt)"
done

prof=$TMP/heap.pb.gz
case $rate_mode in
low) rate=8192 ;;
default) rate=524288 ;;
*) fail "unknown rate $rate_mode" ;;
esac
LOST_MAX=64
for attempt in 1 2 3; do
	rm -f "$prof"
	if [[ $rate_mode == low ]]; then
		truth=$(CPROF_MEM_RATE=$rate CPROF_HEAP_PROFILE="$prof" \
			LD_PRELOAD="$preload" "$program") || fail "heap_sites failed"
	else
		truth=$(env -u CPROF_MEM_RATE CPROF_HEAP_PROFILE="$prof" \
			LD_PRELOAD="$preload" "$program") || fail "heap_sites failed"
	fi
	[[ -s $prof ]] || fail "no profile written to $prof"
	sums=$(heap_dump_sums "$prof")
	lost=$(heap_field "$sums" LOST 1)
	[[ $lost == 0 ]] && break
	echo "attempt $attempt lost $lost samples"
done
echo "$truth"
echo "$sums"
(( lost <= LOST_MAX )) ||
	fail "every run lost samples (the last: $lost > $LOST_MAX): the collector could not keep up"
max_weight=$(awk '$1 == "site" && $11 > w { w = $11 } END { printf "%.0f", w }' <<<"$truth")

# The program's allocations reached the allocator under test.
read -r _ seen seen_bytes < <(grep '^allocator ' <<<"$truth")
live=$(awk '$1 == "total" { print $3 }' <<<"$truth")
[[ $seen == "$allocator" ]] || fail "the program's malloc reached $seen, not $allocator"
awk -v a="$seen_bytes" -v l="$live" 'BEGIN { exit !(a >= l) }' ||
	fail "$allocator accounts for $seen_bytes bytes, fewer than the $live live"
pass "allocations went to $allocator ($seen_bytes bytes by its own count)"

dump=$("$PPROF_DUMP" "$prof")
grep -qx 'sample_type: alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes' <<<"$dump" ||
	fail "sample types: $(grep sample_type: <<<"$dump")"
grep -qx 'period_type: space/bytes' <<<"$dump" || fail "period type"
grep -qx "period: $rate" <<<"$dump" || fail "period is not $rate"
grep -qx 'default_sample_type: ' <<<"$dump" || fail "heap has a default_sample_type"
pass "header: four sample types, space/bytes, period $rate"

# check WHAT GOT WANT SD WEIGHT: GOT within the tolerance of WANT (see the
# top), widened by lost x WEIGHT.
check() {
	local what=$1 got=$2 want=$3 sd=$4 weight=$5 tol
	if [[ $rate_mode == low ]]; then
		awk -v w="$want" -v s="$sd" 'BEGIN { exit !(4 * s <= 0.1 * w) }' ||
			fail "$what: ±10 % is less than 4 sd (sd $sd of $want): fix heap_sites"
		tol=$(awk -v w="$want" -v l="$lost" -v x="$weight" \
			'BEGIN { printf "%.0f", 0.1 * w + l * x }')
	else
		tol=$(awk -v s="$sd" -v l="$lost" -v x="$weight" \
			'BEGIN { printf "%.0f", 4 * s + 1 + l * x }')
	fi
	assert_near "$what" "$got" "$want" "$tol"
}

inuse_top=$(heap_pprof_flat "$prof" inuse_space)
alloc_top=$(heap_pprof_flat "$prof" alloc_space)
echo "$inuse_top"
while read -r _ site _ inuse inuse_sd _ alloc alloc_sd _ weight; do
	if [[ $site == site_churn ]]; then
		slack=$(awk -v a="$alloc" -v l="$lost" -v x="$weight" \
			'BEGIN { printf "%.0f", 0.01 * a + l * x }')
		assert_near "$site inuse_space (dump)" \
			"$(heap_field "$sums" "$site" 4)" 0 "$slack"
		assert_near "$site inuse_space (go tool pprof)" \
			"$(heap_field "$inuse_top" "$site" 1)" 0 "$slack"
	else
		check "$site inuse_space (dump)" \
			"$(heap_field "$sums" "$site" 4)" "$inuse" "$inuse_sd" "$weight"
		check "$site inuse_space (go tool pprof)" \
			"$(heap_field "$inuse_top" "$site" 1)" "$inuse" "$inuse_sd" "$weight"
	fi
	check "$site alloc_space (dump)" \
		"$(heap_field "$sums" "$site" 2)" "$alloc" "$alloc_sd" "$weight"
	check "$site alloc_space (go tool pprof)" \
		"$(heap_field "$alloc_top" "$site" 1)" "$alloc" "$alloc_sd" "$weight"
done < <(grep '^site ' <<<"$truth")

read -r _ _ total total_sd < <(grep '^total ' <<<"$truth")
check "total inuse_space (dump)" "$(heap_field "$sums" TOTAL 4)" "$total" \
	"$total_sd" "$max_weight"
check "total inuse_space (go tool pprof)" "$(heap_field "$inuse_top" TOTAL 1)" \
	"$total" "$total_sd" "$max_weight"
