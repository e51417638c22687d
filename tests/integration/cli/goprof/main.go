// cliprof writes the Go profiles the cli tests compare cprof with go tool
// pprof on: CPU (two labelled workers, inlined helpers), heap, allocs,
// mutex, block and goroutine (goroutines parked under labels). With
// "serve PORTFILE [CERT KEY]" it serves net/http/pprof on a free loopback
// port instead (and redirects; see serve), writing the port to PORTFILE,
// until killed.
// Usage: cliprof OUTDIR | cliprof serve PORTFILE [CERT KEY]. Standard
// library only.
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
	"strings"
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

// listen opens a free loopback port and publishes its number in file
// (written whole: a reader never sees half of it).
func listen(file string) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	if err := os.WriteFile(file+".tmp", []byte(port), 0o644); err != nil {
		fail(err)
	}
	if err := os.Rename(file+".tmp", file); err != nil {
		fail(err)
	}
	return ln
}

// serve serves net/http/pprof, plus redirects for the CLI's tests:
// /redirect/X -> /debug/pprof/X, /loop -> itself, and with a certificate,
// the same over TLS on a second port (PORTFILE.tls, written first) and
// /tohttps/X -> https://127.0.0.1:TLSPORT/debug/pprof/X.
func serve(portFile string, tlsFiles []string) {
	http.HandleFunc("/redirect/", func(w http.ResponseWriter, r *http.Request) {
		to := "/debug/pprof/" + strings.TrimPrefix(r.URL.Path, "/redirect/")
		if r.URL.RawQuery != "" {
			to += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, to, http.StatusFound)
	})
	http.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	if len(tlsFiles) == 2 {
		tln := listen(portFile + ".tls")
		tlsPort := tln.Addr().(*net.TCPAddr).Port
		http.HandleFunc("/tohttps/", func(w http.ResponseWriter, r *http.Request) {
			to := fmt.Sprintf("https://127.0.0.1:%d/debug/pprof/%s", tlsPort,
				strings.TrimPrefix(r.URL.Path, "/tohttps/"))
			http.Redirect(w, r, to, http.StatusMovedPermanently)
		})
		go func() { fail(http.ServeTLS(tln, nil, tlsFiles[0], tlsFiles[1])) }()
	}
	fail(http.Serve(listen(portFile), nil))
}

func main() {
	if (len(os.Args) == 3 || len(os.Args) == 5) && os.Args[1] == "serve" {
		serve(os.Args[2], os.Args[3:])
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
