package app

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/macfleet/installer/hostsfile/hostsgen"
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

// BenchmarkProcessHosts times the hosts step at process level on a root
// whose hosts file is big, each run a fresh process as a real install is,
// against the floor process in the same iteration:
//
//   - floor: a minimal program that reads a copy of the same hosts file
//     and writes the same bytes back atomically (temp file, fsync,
//     rename): the least any editor that writes must do;
//   - install: `installer install` on a fresh root (every step, the hosts
//     edit included);
//   - noop: the same install again, which must find nothing to do;
//   - stock-install: the same install on a root with the stock macOS
//     hosts file, so (install-stock)/floor is what the big file adds to
//     an install, against the floor (the other steps write about 20
//     small files, each fsynced, whatever the hosts file).
//
// Medians over b.N of wall time and of each process's max RSS; noop-writes
// counts entries of the root whose inode, size, mtime or ctime the no-op
// run changed (want 0). Targets: install/floor ≤ 1.3, noop/floor ≤ 0.5,
// install max RSS ≤ file size + 20 MB.
func BenchmarkProcessHosts(b *testing.B) {
	tmp := b.TempDir()
	bin, floorBin := filepath.Join(tmp, "installer"), filepath.Join(tmp, "floor")
	for out, pkg := range map[string]string{bin: "github.com/macfleet/installer/cmd/installer", floorBin: "./testdata/floor"} {
		if msg, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			b.Fatalf("build %s: %v\n%s", pkg, err, msg)
		}
	}
	measureBin = floorBin
	d, _ := product.Builtin("docker")
	for _, c := range []struct {
		name  string
		hosts func() []byte
	}{
		{"lab-1M", func() []byte { return hostsgen.Lab(1_000_000) }},
		{"adblock-60k", func() []byte { return hostsgen.AdBlock(60_000) }},
		{"adblock-1M", func() []byte { return hostsgen.AdBlock(1_000_000) }},
	} {
		hosts := string(c.hosts())
		b.Run(c.name, func(b *testing.B) {
			var floor, install, noop, floorRSS, installRSS, noopRSS, baseInstall, hostsStep []float64
			writes := 0
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				// Removed at once: b.TempDir would keep every 30 MB root to
				// the end.
				dir, err := os.MkdirTemp("", "hostsbench")
				if err != nil {
					b.Fatal(err)
				}
				root := filepath.Join(dir, "root")
				if err := sampleroot.Build(root, sampleroot.Options{Product: d, Hosts: hosts,
					Users: []sampleroot.User{{Name: "alice", UID: 501, GID: 20}}}); err != nil {
					b.Fatal(err)
				}
				base := filepath.Join(dir, "base")
				if err := sampleroot.Build(base, sampleroot.Options{Product: d, Hosts: sampleroot.MacHosts,
					Users: []sampleroot.User{{Name: "alice", UID: 501, GID: 20}}}); err != nil {
					b.Fatal(err)
				}
				copyPath := filepath.Join(root, "private", "floor-hosts")
				if err := os.WriteFile(copyPath, []byte(hosts), 0o644); err != nil {
					b.Fatal(err)
				}
				// A real hosts file was not written in the last moment:
				// a fresher one is re-read at apply (racyWindow).
				time.Sleep(150 * time.Millisecond)
				log := "--log-file=" + filepath.Join(dir, "log")
				args := []string{"install", "--user=alice", "--root=" + root, "--kubernetes", "-q", log}
				b.StartTimer()
				// Alternate which runs first, so neither always meets a
				// warmer cache.
				if i%2 == 0 {
					t, rss := runProc(b, floorBin, copyPath)
					floor, floorRSS = append(floor, t), append(floorRSS, rss)
				}
				t, rss := runProc(b, bin, args...)
				install, installRSS = append(install, t), append(installRSS, rss)
				// The same install on a stock hosts file: what the other
				// steps cost in this iteration.
				tb, _ := runProc(b, bin, "install", "--user=alice", "--root="+base, "--kubernetes", "-q", log)
				baseInstall, hostsStep = append(baseInstall, tb), append(hostsStep, t-tb)
				if i%2 == 1 {
					t, rss := runProc(b, floorBin, copyPath)
					floor, floorRSS = append(floor, t), append(floorRSS, rss)
				}
				b.StopTimer()
				before := stamps(b, root)
				b.StartTimer()
				t, rss = runProc(b, bin, args...)
				noop, noopRSS = append(noop, t), append(noopRSS, rss)
				b.StopTimer()
				writes += changedEntries(before, stamps(b, root))
				if err := os.RemoveAll(dir); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			f, in, n := medianF(floor), medianF(install), medianF(noop)
			b.ReportMetric(f, "floor-ms")
			b.ReportMetric(in, "install-ms")
			b.ReportMetric(n, "noop-ms")
			b.ReportMetric(in/f, "install/floor")
			b.ReportMetric(n/f, "noop/floor")
			b.ReportMetric(medianF(baseInstall), "stock-install-ms")
			b.ReportMetric(medianF(hostsStep)/f, "(install-stock)/floor")
			b.ReportMetric(float64(len(hosts))/(1<<20), "file-MB")
			b.ReportMetric(medianF(floorRSS), "floor-rss-MB")
			b.ReportMetric(medianF(installRSS), "install-rss-MB")
			b.ReportMetric(medianF(noopRSS), "noop-rss-MB")
			b.ReportMetric(float64(writes), "noop-writes")
		})
	}
}

// runProc runs one process to its end through "floor -measure": its
// wall ms and max RSS in MB, as measured by a small parent.
func runProc(b *testing.B, bin string, args ...string) (ms, rssMB float64) {
	b.Helper()
	out := filepath.Join(b.TempDir(), "measure")
	cmd := exec.Command(measureBin, append([]string{"-measure", out, bin}, args...)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s %v: %v\n%s", bin, args, err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	var ns, kb int64
	if _, err := fmt.Sscan(string(data), &ns, &kb); err != nil {
		b.Fatalf("measure %q: %v", data, err)
	}
	return float64(ns) / 1e6, float64(kb) / 1024 // ru_maxrss is in KB on Linux
}

// measureBin is the floor program, which also measures the others.
var measureBin string

// stamps maps every entry of the tree to its inode, size, mtime and ctime.
func stamps(b *testing.B, root string) map[string]string {
	b.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		m[p] = fmt.Sprint(st.Ino, st.Size, fi.ModTime().UnixNano(), ctimeNano(st))
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func changedEntries(a, b map[string]string) int {
	n := 0
	for k, v := range a {
		if b[k] != v {
			n++
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			n++
		}
	}
	return n
}

func medianF(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
