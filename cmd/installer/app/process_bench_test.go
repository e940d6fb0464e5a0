package app

import (
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/sampleroot"
)

// BenchmarkProcess times the real binary, as an MDM agent runs it: a cold
// install into a fresh Mac-like root, a no-op re-run, and `installer
// version` as the floor of starting the process at all. Medians over b.N.
func BenchmarkProcess(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "installer")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/macfleet/installer/cmd/installer").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	d, _ := product.Builtin("docker")
	timed := func(args ...string) time.Duration {
		start := time.Now()
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			b.Fatalf("%v: %v\n%s", args, err, out)
		}
		return time.Since(start)
	}
	var floor, cold, noop []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		root := filepath.Join(b.TempDir(), "root")
		if err := sampleroot.Build(root, sampleroot.Options{Product: d, Hosts: "10.0.0.1 localhost\n",
			Users: []sampleroot.User{{Name: "alice", UID: 501, GID: 20}}}); err != nil {
			b.Fatal(err)
		}
		log := "--log-file=" + filepath.Join(root, "..", "log")
		b.StartTimer()
		floor = append(floor, timed("version"))
		cold = append(cold, timed("install", "--user=alice", "--root="+root, "--kubernetes", "-q", log))
		noop = append(noop, timed("install", "--user=alice", "--root="+root, "--kubernetes", "-q", log))
	}
	med := func(ds []time.Duration) float64 {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return float64(ds[len(ds)/2].Microseconds()) / 1000
	}
	f, c, n := med(floor), med(cold), med(noop)
	b.ReportMetric(f, "version-ms")
	b.ReportMetric(c, "cold-install-ms")
	b.ReportMetric(n, "noop-ms")
	b.ReportMetric(n/f, "noop/version")
}
