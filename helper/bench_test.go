package helper

import (
	"context"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchServer runs vmnetd in its own process, as in production, so the
// benchmark's clients do not share its scheduler and garbage collector.
// It logs a line per bind, as vmnetd does, into io.Discard.
func benchServer(b *testing.B) Client {
	needRoot(b)
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	socket := filepath.Join(testDir(b), "vmnetd.sock")
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), "VMNETD_TEST_CHILD=serve", "VMNETD_TEST_ARGS="+socket)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	if !waitFor(10*time.Second, func() bool { _, err := os.Stat(socket); return err == nil }) {
		b.Fatal("benchmark vmnetd did not start")
	}
	return Client{Socket: socket, Timeout: 5 * time.Second}
}

func helperBind(b *testing.B, c Client, port uint16) time.Duration {
	start := time.Now()
	f, err := c.Bind(context.Background(), TCP, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port))
	if err != nil {
		b.Fatal(err)
	}
	f.Close()
	return time.Since(start)
}

func directBind(b *testing.B) time.Duration {
	start := time.Now()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ln.Close()
	return time.Since(start)
}

func quantile(d []time.Duration, q float64) time.Duration {
	slices.Sort(d)
	return d[int(q*float64(len(d)-1))]
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// BenchmarkBindRoundTrip: one helper round trip per op (dial, hello,
// request, fd, close, as vpnkit does), interleaved with its baseline, a
// direct in-process bind of an ephemeral port.
func BenchmarkBindRoundTrip(b *testing.B) {
	c := benchServer(b)
	var viaHelper, direct []time.Duration
	helperBind(b, c, 89) // warm up
	b.ResetTimer()
	for b.Loop() {
		viaHelper = append(viaHelper, helperBind(b, c, 89))
		direct = append(direct, directBind(b))
	}
	h, d := quantile(viaHelper, 0.5), quantile(direct, 0.5)
	b.ReportMetric(us(h), "helper-p50-µs")
	b.ReportMetric(us(d), "direct-p50-µs")
	b.ReportMetric(float64(h)/float64(d), "ratio")
}

// BenchmarkBindConcurrent16: 16 clients in a closed loop, each on its own
// port, as hard as they can; p50/p99 through the helper, then the same
// load as direct binds. Latency here is mostly queueing: 16 × service time.
func BenchmarkBindConcurrent16(b *testing.B) {
	const clients = 16
	c := benchServer(b)
	run := func(op func(g int) time.Duration) []time.Duration {
		var mu sync.Mutex
		var all []time.Duration
		var wg sync.WaitGroup
		per := max(1, b.N/clients)
		for g := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lat := make([]time.Duration, 0, per)
				for range per {
					lat = append(lat, op(g))
				}
				mu.Lock()
				all = append(all, lat...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		return all
	}
	b.ResetTimer()
	viaHelper := run(func(g int) time.Duration { return helperBind(b, c, uint16(900+g)) })
	b.StopTimer()
	direct := run(func(int) time.Duration { return directBind(b) })
	b.ReportMetric(us(quantile(viaHelper, 0.5)), "helper-p50-µs")
	b.ReportMetric(us(quantile(viaHelper, 0.99)), "helper-p99-µs")
	b.ReportMetric(us(quantile(direct, 0.99)), "direct-p99-µs")
	b.ReportMetric(float64(len(viaHelper)), "samples")
}

// BenchmarkBindBurst16: what an app start looks like: 16 clients ask at
// the same instant (one op = one burst), and the burst then drains. p99 of
// the per-request latency, with direct binds in the same pattern as baseline.
func BenchmarkBindBurst16(b *testing.B) {
	const clients = 16
	c := benchServer(b)
	burst := func(op func(g int) time.Duration, into *[]time.Duration) {
		lat := make([]time.Duration, clients)
		var start, done sync.WaitGroup
		start.Add(1)
		for g := range clients {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				lat[g] = op(g)
			}()
		}
		start.Done()
		done.Wait()
		*into = append(*into, lat...)
	}
	var viaHelper, direct []time.Duration
	for b.Loop() {
		burst(func(g int) time.Duration { return helperBind(b, c, uint16(900+g)) }, &viaHelper)
		burst(func(int) time.Duration { return directBind(b) }, &direct)
	}
	b.ReportMetric(us(quantile(viaHelper, 0.5)), "helper-p50-µs")
	b.ReportMetric(us(quantile(viaHelper, 0.99)), "helper-p99-µs")
	b.ReportMetric(us(quantile(direct, 0.99)), "direct-p99-µs")
}
