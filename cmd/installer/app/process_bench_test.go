package app

import (
	"bytes"
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

// BenchmarkProcessHosts times every transition of the hosts step at
// process level on roots whose hosts file is big, each run a fresh process
// as a real install is, against the floor process in the same iteration:
//
//   - floor: a minimal program that reads a copy of the same hosts file
//     and writes the same bytes back atomically (temp file, fsync,
//     rename): the least any editor that writes must do; run twice per
//     iteration, first and last, so neither side always meets a warmer
//     cache;
//   - append: `installer install --kubernetes` on a fresh root whose hosts
//     file is the case's: our block appended (holding localhost too when
//     the file has no loopback localhost line, as lab-1M);
//   - noop: the same install again, which must find nothing to do;
//   - remove-kubernetes: `install --no-kubernetes` after that: a line of
//     our block dropped (lab-1M), or the whole block (adblock, whose
//     localhost line makes ours unneeded);
//   - insert: `install --kubernetes` on a second root whose file has no
//     loopback localhost line and, in its middle, foreign lines sending
//     localhost and the kubernetes name to a LAN address: both disabled
//     (bytes inserted mid-file) and a block holding localhost appended;
//   - uninstall: `uninstall` of that root: the block removed and the two
//     lines re-enabled, giving back the file's exact bytes (checked);
//   - stock-install: the install on a root with the stock macOS hosts
//     file, what the other steps cost (about 20 small fsynced files);
//     (append-stock)/floor and (insert-stock)/floor are what the big
//     file adds to an install.
//
// Every install is every step, not the hosts step alone. Medians over b.N
// of wall time and of each process's max RSS; noop-writes counts entries
// of the root whose inode, size, mtime or ctime the no-op run changed
// (want 0). Targets: every transition ≤ 1.3× floor and max RSS ≤ file
// size + 20 MB; noop ≤ 0.5× floor.
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
	users := []sampleroot.User{{Name: "alice", UID: 501, GID: 20}}
	for _, c := range []struct {
		name  string
		hosts func() []byte
	}{
		{"lab-1M", func() []byte { return hostsgen.Lab(1_000_000) }},
		{"adblock-60k", func() []byte { return hostsgen.AdBlock(60_000) }},
		{"adblock-1M", func() []byte { return hostsgen.AdBlock(1_000_000) }},
	} {
		hosts := c.hosts()
		conflicts := withConflicts(hosts, d.KubernetesName)
		b.Run(c.name, func(b *testing.B) {
			ms, rss := map[string][]float64{}, map[string][]float64{}
			run := func(row, bin string, args ...string) float64 {
				t, r := runProc(b, bin, args...)
				ms[row], rss[row] = append(ms[row], t), append(rss[row], r)
				return t
			}
			writes := 0
			for b.Loop() {
				b.StopTimer()
				// Removed at once: b.TempDir would keep every 30 MB root to
				// the end.
				dir, err := os.MkdirTemp("", "hostsbench")
				if err != nil {
					b.Fatal(err)
				}
				root, root2, base := filepath.Join(dir, "root"), filepath.Join(dir, "root2"), filepath.Join(dir, "base")
				for r, h := range map[string]string{root: string(hosts), root2: string(conflicts), base: sampleroot.MacHosts} {
					if err := sampleroot.Build(r, sampleroot.Options{Product: d, Hosts: h, Users: users}); err != nil {
						b.Fatal(err)
					}
				}
				copyPath := filepath.Join(root, "private", "floor-hosts")
				if err := os.WriteFile(copyPath, hosts, 0o644); err != nil {
					b.Fatal(err)
				}
				// A real hosts file was not written in the last moment:
				// a fresher one is re-read at apply (racyWindow).
				time.Sleep(150 * time.Millisecond)
				log := "--log-file=" + filepath.Join(dir, "log")
				install := func(r string, k8s string) []string {
					return []string{"install", "--user=alice", "--root=" + r, k8s, "-q", log}
				}
				b.StartTimer()
				run("floor", floorBin, copyPath)
				run("append", bin, install(root, "--kubernetes")...)
				b.StopTimer()
				before := stamps(b, root)
				b.StartTimer()
				run("noop", bin, install(root, "--kubernetes")...)
				b.StopTimer()
				writes += changedEntries(before, stamps(b, root))
				b.StartTimer()
				run("remove-kubernetes", bin, install(root, "--no-kubernetes")...)
				run("insert", bin, install(root2, "--kubernetes")...)
				run("uninstall", bin, "uninstall", "--root="+root2, "-q", log)
				run("stock-install", bin, install(base, "--kubernetes")...)
				run("floor", floorBin, copyPath)
				b.StopTimer()
				if got, err := os.ReadFile(filepath.Join(root2, "private", "etc", "hosts")); err != nil || !bytes.Equal(got, conflicts) {
					b.Fatalf("uninstall did not give back the hosts file (%d bytes, want %d): %v", len(got), len(conflicts), err)
				}
				if err := os.RemoveAll(dir); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			f := medianF(ms["floor"])
			fileMB := float64(len(hosts)) / (1 << 20)
			b.ReportMetric(fileMB, "file-MB")
			b.ReportMetric(f, "floor-ms")
			b.ReportMetric(medianF(rss["floor"]), "floor-rss-MB")
			for _, row := range []string{"append", "insert", "remove-kubernetes", "uninstall", "noop"} {
				b.ReportMetric(medianF(ms[row]), row+"-ms")
				b.ReportMetric(medianF(ms[row])/f, row+"/floor")
				b.ReportMetric(medianF(rss[row])-fileMB, row+"-rss-over-file-MB")
			}
			b.ReportMetric(medianF(ms["stock-install"]), "stock-install-ms")
			// What the big file adds to an install, against the floor:
			// each iteration's install less its stock install.
			for _, row := range []string{"append", "insert"} {
				d := make([]float64, len(ms[row]))
				for i := range d {
					d[i] = ms[row][i] - ms["stock-install"][i]
				}
				b.ReportMetric(medianF(d)/f, "("+row+"-stock)/floor")
			}
			b.ReportMetric(float64(writes), "noop-writes")
		})
	}
}

// withConflicts is hosts without its loopback localhost line and with
// foreign lines sending localhost and the kubernetes name to LAN
// addresses in its middle, in the file's own line ending.
func withConflicts(hosts []byte, kube string) []byte {
	eol := "\n"
	if i := bytes.IndexByte(hosts, '\n'); i > 0 && hosts[i-1] == '\r' {
		eol = "\r\n"
	}
	h := bytes.Replace(hosts, []byte("127.0.0.1 localhost"+eol), nil, 1)
	m := len(h)/2 + bytes.IndexByte(h[len(h)/2:], '\n') + 1
	out := append([]byte(nil), h[:m]...)
	out = append(out, "10.0.0.1 localhost"+eol+"10.0.0.2 "+kube+eol...)
	return append(out, h[m:]...)
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
