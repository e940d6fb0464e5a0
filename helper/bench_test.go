package helper

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchServer runs vmnetd in its own process, as in production, so the
// benchmark's clients do not share its scheduler and garbage collector.
// It logs a line per bind, as vmnetd does, into io.Discard.
func benchServer(b *testing.B) Client {
	c, _ := benchServerPID(b)
	return c
}

// benchServerPID is benchServer that also returns the daemon's pid.
func benchServerPID(b *testing.B) (Client, int) {
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
	return Client{Socket: socket, Timeout: 5 * time.Second}, cmd.Process.Pid
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
	b.ReportMetric(us(quantile(viaHelper, 0.99)), "helper-p99-µs")
	b.ReportMetric(us(d), "direct-p50-µs")
	b.ReportMetric(us(quantile(direct, 0.99)), "direct-p99-µs")
	b.ReportMetric(float64(h)/float64(d), "ratio")
}

// BenchmarkBindConcurrent16: 16 clients in a closed loop, each on its own
// port, as hard as they can; p50/p99 through the helper, then the same
// load as direct binds. Latency here is mostly queueing: 16 × service time.
func BenchmarkBindConcurrent16(b *testing.B) {
	bindConcurrent16(b, benchServer(b))
}

// concurrent16 runs b.N binds from 16 closed-loop clients and returns
// their latencies (outside the benchmark timer).
func concurrent16(b *testing.B, c Client) []time.Duration {
	var all []time.Duration
	var mu sync.Mutex
	var wg sync.WaitGroup
	per := max(1, b.N/16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, per)
			for range per {
				lat = append(lat, helperBind(b, c, uint16(900+g)))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all
}

func bindConcurrent16(b *testing.B, c Client) {
	const clients = 16
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

// stallers holds n connections to c's socket that never finish their
// hello, as an attacker would: opened by uid nobody (the user the bench
// daemon serves) in a child process, which reopens any that vmnetd closes.
// The returned func closes them all (ending the child).
func stallers(b *testing.B, c Client, n int) func() {
	cmd := child(b, nobody, "stall", c.Socket, fmt.Sprint(n), "reopen")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if !strings.HasPrefix(line, "bound ") {
		b.Fatalf("stalling child: %s", line)
	}
	time.Sleep(stallGrace)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			stdin.Close()
			cmd.Wait()
			time.Sleep(50 * time.Millisecond) // let vmnetd see the closes
		})
	}
	b.Cleanup(stop)
	return stop
}

// rssMB is VmRSS of pid in MB.
func rssMB(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skip("no /proc:", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkBindRoundTripStalled200: one client's round trips, first with
// nothing else open (the baseline), then with 200 stalled connections of
// the user open, in the same run; with the daemon's RSS idle and loaded.
// b.N round trips in each phase.
func BenchmarkBindRoundTripStalled200(b *testing.B) {
	c, pid := benchServerPID(b)
	helperBind(b, c, 89)
	idle := rssMB(b, pid)
	var base, stalled []time.Duration
	for b.Loop() {
		base = append(base, helperBind(b, c, 89))
	}
	stallers(b, c, 200)
	loaded := rssMB(b, pid)
	for range len(base) {
		stalled = append(stalled, helperBind(b, c, 89))
	}
	b.ReportMetric(us(quantile(base, 0.5)), "base-p50-µs")
	b.ReportMetric(us(quantile(base, 0.99)), "base-p99-µs")
	b.ReportMetric(us(quantile(stalled, 0.5)), "stalled-p50-µs")
	b.ReportMetric(us(quantile(stalled, 0.99)), "stalled-p99-µs")
	b.ReportMetric(float64(quantile(stalled, 0.99))/float64(quantile(base, 0.99)), "p99-ratio")
	b.ReportMetric(idle, "idle-rss-MB")
	b.ReportMetric(loaded, "loaded-rss-MB")
}

// BenchmarkBindConcurrent16Stalled200 is BenchmarkBindConcurrent16 without
// and then with 200 stalled connections of the user open, in the same run.
func BenchmarkBindConcurrent16Stalled200(b *testing.B) {
	c := benchServer(b)
	base := concurrent16(b, c)
	stallers(b, c, 200)
	stalled := concurrent16(b, c)
	b.ReportMetric(us(quantile(base, 0.5)), "base-p50-µs")
	b.ReportMetric(us(quantile(base, 0.99)), "base-p99-µs")
	b.ReportMetric(us(quantile(stalled, 0.5)), "stalled-p50-µs")
	b.ReportMetric(us(quantile(stalled, 0.99)), "stalled-p99-µs")
	b.ReportMetric(float64(quantile(stalled, 0.99))/float64(quantile(base, 0.99)), "p99-ratio")
}

// BenchmarkUserBindStalled200SameUID: the user's own binds (in a child
// process as uid nobody) without, then with 200 stalled connections of the
// same uid open: the case per-uid eviction exists for.
func BenchmarkUserBindStalled200SameUID(b *testing.B) {
	c := benchServer(b)
	n := max(b.N, 50)
	loop := func() (p50, p99 float64) {
		out := runChildOutput(b, nobody, "bind-loop", c.Socket, "127.0.0.1:91", fmt.Sprint(n))
		if _, err := fmt.Sscanf(out, "p50 %f p99 %f", &p50, &p99); err != nil {
			b.Fatalf("bind loop: %s", out)
		}
		return p50, p99
	}
	b50, b99 := loop()
	stallers(b, c, 200)
	s50, s99 := loop()
	b.ReportMetric(b50, "base-p50-µs")
	b.ReportMetric(b99, "base-p99-µs")
	b.ReportMetric(s50, "stalled-p50-µs")
	b.ReportMetric(s99, "stalled-p99-µs")
	b.ReportMetric(s99/b99, "p99-ratio")
}
