// cliprof writes the Go profiles the cli tests compare cprof with go tool
// pprof on: CPU (two labelled workers, inlined helpers), heap, allocs,
// mutex, block and goroutine (goroutines parked under labels). With
// "serve PORTFILE" it serves net/http/pprof on a free loopback port
// instead, writing the port to PORTFILE, until killed.
// Usage: cliprof OUTDIR | cliprof serve PORTFILE. Standard library only.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var (
	sink float64
	kept [][]byte
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cliprof:", err)
	os.Exit(1)
}

// step and mix are small enough for Go's inliner: their frames appear
// as inline lines of the locations in spin.
func step(x float64) float64 { return x*1.000001 + 1e-9 }
func mix(x float64) float64  { return step(x) * 0.999999 }

//go:noinline
func spin(d time.Duration) {
	x := 1.0
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := 0; i < 20000; i++ {
			x = mix(x)
		}
	}
	sink += x
}

//go:noinline
func hashWork(d time.Duration) {
	x := 3.0
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := 0; i < 20000; i++ {
			x = step(x) / 1.0000001
		}
	}
	sink += x
}

func cpu(path string) {
	f, err := os.Create(path)
	if err != nil {
		fail(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fail(err)
	}
	var wg sync.WaitGroup
	for _, w := range []string{"alpha", "beta"} {
		wg.Add(1)
		go func(w string) {
			defer wg.Done()
			pprof.Do(context.Background(), pprof.Labels("worker", w, "tier", "cpu"),
				func(context.Context) {
					spin(300 * time.Millisecond)
					hashWork(150 * time.Millisecond)
				})
		}(w)
	}
	wg.Wait()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fail(err)
	}
}

//go:noinline
func allocSmall() {
	for i := 0; i < 2000; i++ {
		kept = append(kept, make([]byte, 64))
	}
}

//go:noinline
func allocBig() {
	for i := 0; i < 200; i++ {
		kept = append(kept, make([]byte, 32<<10))
	}
}

//go:noinline
func allocTemp() {
	for i := 0; i < 500; i++ {
		b := make([]byte, 4096)
		sink += float64(b[0])
	}
}

func contend() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				mu.Lock()
				time.Sleep(10 * time.Microsecond)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func write(dir, name string, debug int) {
	f, err := os.Create(filepath.Join(dir, name+".pb.gz"))
	if err != nil {
		fail(err)
	}
	if err := pprof.Lookup(name).WriteTo(f, debug); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
}

func serve(portFile string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	if err := os.WriteFile(portFile+".tmp", []byte(port), 0o644); err != nil {
		fail(err)
	}
	if err := os.Rename(portFile+".tmp", portFile); err != nil {
		fail(err)
	}
	fail(http.Serve(ln, nil))
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "serve" {
		serve(os.Args[2])
	}
	if len(os.Args) != 2 {
		fail(fmt.Errorf("usage: cliprof OUTDIR | cliprof serve PORTFILE"))
	}
	dir := os.Args[1]
	runtime.MemProfileRate = 1
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)

	cpu(filepath.Join(dir, "cpu.pb.gz"))
	allocSmall()
	allocBig()
	allocTemp()
	contend()
	runtime.GC()

	block := make(chan struct{})
	var parked sync.WaitGroup
	for _, w := range []string{"reader", "writer", "writer"} {
		parked.Add(1)
		go pprof.Do(context.Background(), pprof.Labels("role", w),
			func(context.Context) {
				parked.Done()
				<-block
			})
	}
	parked.Wait()
	time.Sleep(20 * time.Millisecond)
	for _, name := range []string{"heap", "allocs", "mutex", "block", "goroutine"} {
		write(dir, name, 0)
	}
	close(block)
	runtime.KeepAlive(kept)
}
