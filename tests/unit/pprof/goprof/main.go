// goprof writes the Go-made profiles that test_pprof_goprof decodes: a CPU
// profile of about one CPU second spent in main.burn under the pprof label
// worker=burner, and a heap profile (MemProfileRate=1, so every allocation
// is sampled) after main.alloc made allocLive objects of allocSize bytes
// that stay live. Usage: goprof CPU_OUT HEAP_OUT. Standard library only.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

const (
	allocLive = 1000
	allocSize = 4096
)

var (
	sink float64
	kept [][]byte
)

// cpuTime is the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// burn spins until it has used d of CPU time (not wall time, so a loaded
// test machine still yields about d/10ms samples), or 20*d of wall time.
//
//go:noinline
func burn(d time.Duration) {
	x := 1.0
	start, wall := cpuTime(), time.Now()
	for cpuTime()-start < d && time.Since(wall) < 20*d {
		for i := 0; i < 100000; i++ {
			x = x*1.000001 + 1e-9
		}
	}
	sink = x
}

//go:noinline
func alloc() {
	for i := 0; i < allocLive; i++ {
		kept = append(kept, make([]byte, allocSize))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "goprof:", err)
	os.Exit(1)
}

func main() {
	runtime.MemProfileRate = 1
	if len(os.Args) != 3 {
		fail(fmt.Errorf("usage: goprof CPU_OUT HEAP_OUT"))
	}
	cpu, err := os.Create(os.Args[1])
	if err != nil {
		fail(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		fail(err)
	}
	pprof.Do(context.Background(), pprof.Labels("worker", "burner"),
		func(context.Context) { burn(time.Second) })
	pprof.StopCPUProfile()
	if err := cpu.Close(); err != nil {
		fail(err)
	}

	alloc()
	runtime.GC()
	heap, err := os.Create(os.Args[2])
	if err != nil {
		fail(err)
	}
	if err := pprof.WriteHeapProfile(heap); err != nil {
		fail(err)
	}
	if err := heap.Close(); err != nil {
		fail(err)
	}
	runtime.KeepAlive(kept)
}
