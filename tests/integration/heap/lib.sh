# lib.sh - helpers shared by the memory-profile tests (bash), on top of
# ../lib.sh: reading a heap profile per leaf function, through our decoder
# and through `go tool pprof`, and comparing it with heap_sites' truth.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PPROF_DUMP=${CPROF_BUILD_DIR:?}/tests/tools/pprof_dump

# heap_dump_sums FILE: through pprof_dump, one line per leaf function
# "LEAF alloc_objects alloc_space inuse_objects inuse_space" (summed over
# its samples), then "TOTAL ..." over all samples and "LOST N" (the
# alloc_objects of the [cprof] lost samples frame, 0 if absent).
heap_dump_sums() {
	"$PPROF_DUMP" "$1" | awk -F' [|] ' '
		/^samples: / { body = 1; next }
		!body { next }
		{
			n = split($1, v, " ")
			leaf = $2
			sub(/;.*/, "", leaf)
			if (leaf == "[cprof] lost samples") { lost += v[1]; next }
			for (i = 1; i <= 4; i++) { s[leaf, i] += v[i]; t[i] += v[i] }
			leaves[leaf] = 1
		}
		END {
			for (l in leaves)
				printf "%s %.0f %.0f %.0f %.0f\n", l, s[l, 1],
					s[l, 2], s[l, 3], s[l, 4]
			printf "TOTAL %.0f %.0f %.0f %.0f\n", t[1], t[2], t[3], t[4]
			printf "LOST %.0f\n", lost
		}'
}

# heap_pprof_flat FILE SAMPLE_INDEX: through `go tool pprof -top`, one line
# per function "NAME FLAT_BYTES", then "TOTAL BYTES" from the header.
heap_pprof_flat() {
	go tool pprof -sample_index="$2" -top -unit=B -nodecount=1000 "$1" \
		2>/dev/null | awk '
		/ of .*B total/ {
			for (i = 1; i <= NF; i++)
				if ($i == "total" ) { x = $(i - 1); sub(/B$/, "", x) }
			print "TOTAL", x + 0
			next
		}
		$1 ~ /^-?[0-9.]+B?$/ && $2 ~ /%$/ && NF >= 6 {
			x = $1; sub(/B$/, "", x)
			name = $6
			for (i = 7; i <= NF; i++) name = name " " $i
			print name, x + 0
		}'
}

# heap_field LINES KEY COLUMN: column COLUMN (1-based, after KEY) of the
# line starting with KEY, 0 when there is no such line.
heap_field() {
	awk -v k="$2" -v c="$3" '$1 == k { print $(c + 1); f = 1 }
		END { if (!f) print 0 }' <<<"$1" | head -1
}
