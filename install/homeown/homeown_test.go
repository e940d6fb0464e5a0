package homeown

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The user, as the tests see her: a home of uid 501, gid 20.
const uid, gid = 501, 20

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs entries owned by root and by another uid")
	}
}

// fixture is a temporary root holding a home and, beside it, a
// directory of root's own that no call may change (the stand-in for
// /etc):
//
//	home/                   501  the home
//	home/a/                 501  tree "a"
//	home/a/d/               0    a root directory...
//	home/a/d/g              0    ...with a root file
//	home/a/d/u/             501  ...and a user dir holding
//	home/a/d/u/h            0    a root file
//	home/a/f                0:7  a root file (group 7)
//	home/a/l -> ../../outside/dir   0  a root link to a root dir outside
//	home/a/mine             501  the user's own file
//	home/a/p                0    a root FIFO
//	home/a/s                0    a root socket
//	home/a/ul -> /etc       501  the user's own link
//	home/b -> ../outside    0    tree "b": a root link out of the home
//	home/c -> ../outside    501  tree "c/x" passes through it
//	home/other/z            0    root's, outside every tree
//	outside/passwd          0    root's, outside the home
//	outside/dir/secret      0
//	outside/x/y             0
type fixture struct {
	root, home, outside string
}

var trees = []string{"a", "b", "c/x", "missing", "other/../a/d"}

// all is what Scan(trees) finds, in order: a/d is walked once.
var all = []string{"a/d", "a/d/g", "a/d/u/h", "a/f", "a/l", "a/p", "a/s", "b"}

func newFixture(t *testing.T) fixture {
	t.Helper()
	needRoot(t)
	root := t.TempDir()
	f := fixture{root: root, home: filepath.Join(root, "home"), outside: filepath.Join(root, "outside")}
	f.dir("home", uid)
	f.dir("home/a", uid)
	f.dir("home/a/d", 0)
	f.file("home/a/d/g", 0, 0)
	f.dir("home/a/d/u", uid)
	f.file("home/a/d/u/h", 0, 0)
	f.file("home/a/f", 0, 7)
	f.file("home/a/mine", uid, gid)
	f.dir("outside", 0)
	f.file("outside/passwd", 0, 0)
	f.dir("outside/dir", 0)
	f.file("outside/dir/secret", 0, 0)
	f.dir("outside/x", 0)
	f.file("outside/x/y", 0, 0)
	f.link("home/a/l", "../../outside/dir", 0, 3)
	f.link("home/a/ul", "/etc", uid, gid)
	f.link("home/b", "../outside", 0, 0)
	f.link("home/c", "../outside", uid, gid)
	f.dir("home/other", uid)
	f.file("home/other/z", 0, 0)
	if err := unix.Mkfifo(f.path("home/a/p"), 0o600); err != nil {
		t.Fatal(err)
	}
	sock(t, f.path("home/a/s"))
	return f
}

func (f fixture) path(rel string) string { return filepath.Join(f.root, rel) }

func (f fixture) dir(rel string, owner int) {
	if err := os.Mkdir(f.path(rel), 0o755); err != nil {
		panic(err)
	}
	f.own(rel, owner, gid)
}

func (f fixture) file(rel string, owner, group int) {
	if err := os.WriteFile(f.path(rel), []byte(rel), 0o644); err != nil {
		panic(err)
	}
	f.own(rel, owner, group)
}

func (f fixture) link(rel, to string, owner, group int) {
	if err := os.Symlink(to, f.path(rel)); err != nil {
		panic(err)
	}
	f.own(rel, owner, group)
}

func (f fixture) own(rel string, owner, group int) {
	if err := os.Lchown(f.path(rel), owner, group); err != nil {
		panic(err)
	}
}

func sock(t *testing.T, p string) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: p}); err != nil {
		t.Fatal(err)
	}
}

// owner is rel's uid:gid, never following a link.
func (f fixture) owner(t *testing.T, rel string) string {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(f.path(rel), &st); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d:%d", st.Uid, st.Gid)
}

// listing is every entry of the temporary root with its type, mode,
// owner and inode: what no refused call may change.
func (f fixture) listing(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(f.root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %o %d:%d ino=%d\n", strings.TrimPrefix(p, f.root), st.Mode, st.Uid, st.Gid, st.Ino)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func paths(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Path
	}
	return out
}

func find(t *testing.T, es []Entry, p string) Entry {
	t.Helper()
	for _, e := range es {
		if e.Path == p {
			return e
		}
	}
	t.Fatalf("%s not in %q", p, paths(es))
	return Entry{}
}

// Scan reports the root-owned entries of the trees only, of every type,
// in a stable order (sorted names, a directory before what it holds),
// each once; a link is an entry, never followed; a tree that is or
// passes through a link is not walked.
func TestScan(t *testing.T) {
	f := newFixture(t)
	before := f.listing(t)
	got, err := Scan(f.home, trees, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(paths(got), all) {
		t.Fatalf("Scan = %q\nwant   %q", paths(got), all)
	}
	types := map[string]uint32{"a/d": unix.S_IFDIR, "a/d/g": unix.S_IFREG, "a/f": unix.S_IFREG, "a/l": unix.S_IFLNK,
		"a/p": unix.S_IFIFO, "a/s": unix.S_IFSOCK, "b": unix.S_IFLNK}
	for p, typ := range types {
		e := find(t, got, p)
		if e.Type != typ {
			t.Errorf("%s: type %o, want %o", p, e.Type, typ)
		}
		if e.Shared() || e.Device() || e.IsDir() != (typ == unix.S_IFDIR) {
			t.Errorf("%s: Shared %v Device %v IsDir %v", p, e.Shared(), e.Device(), e.IsDir())
		}
		// a socket is kept on macOS only (it cannot be opened there)
		if kept := e.Kept() != ""; kept != (typ == unix.S_IFSOCK && !socketByDescriptor) {
			t.Errorf("%s: Kept %q", p, e.Kept())
		}
	}
	var st unix.Stat_t
	if err := unix.Lstat(f.path("home/a/f"), &st); err != nil {
		t.Fatal(err)
	}
	if e := find(t, got, "a/f"); e.GID != 7 || e.Links != 1 || e.Ino != uint64(st.Ino) || e.Dev != uint64(st.Dev) {
		t.Errorf("a/f: %+v, want gid 7, 1 link, inode %d", e, st.Ino)
	}
	// stable: the same walk again is the same list
	again, err := Scan(f.home, trees, 0)
	if err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("second Scan = %q, %v", paths(again), err)
	}
	if after := f.listing(t); after != before {
		t.Errorf("Scan changed the tree:\n%s\n----\n%s", before, after)
	}
}

// The first limit entries, whatever the limit: the walk stops there.
func TestScanLimit(t *testing.T) {
	f := newFixture(t)
	for n := 1; n <= len(all)+1; n++ {
		got, err := Scan(f.home, trees, n)
		if err != nil {
			t.Fatal(err)
		}
		want := all[:min(n, len(all))]
		if !reflect.DeepEqual(paths(got), want) {
			t.Errorf("limit %d: %q, want %q", n, paths(got), want)
		}
	}
}

// A tree that is not a path inside the home is never walked: the walk
// does not climb out of the home, whatever the tree's spelling.
func TestScanStaysInTheHome(t *testing.T) {
	f := newFixture(t)
	for _, tree := range []string{"..", "../outside", "../outside/dir", "a/../../outside", "/etc", f.outside, ".", "", "a/..", "c/../../outside/x"} {
		got, err := Scan(f.home, []string{tree}, 0)
		if err != nil || len(got) != 0 {
			t.Errorf("Scan(%q) = %q, %v; want nothing", tree, paths(got), err)
		}
	}
	// a tree's root that is a link out of the home: the link, never
	// walked; a tree behind a link: nothing
	for tree, want := range map[string][]string{"b": {"b"}, "c/x": nil, "a/l": {"a/l"}, "a/l/secret": nil, "a/ul": nil} {
		got, err := Scan(f.home, []string{tree}, 0)
		if err != nil || !reflect.DeepEqual(paths(got), want) && len(got)+len(want) > 0 {
			t.Errorf("Scan(%q) = %q, %v; want %q", tree, paths(got), err, want)
		}
	}
}

// A home that is missing has nothing to report; a home that is a link is
// refused, never walked.
func TestScanHome(t *testing.T) {
	f := newFixture(t)
	if got, err := Scan(f.path("nohome"), trees, 0); err != nil || got != nil {
		t.Errorf("missing home: %q, %v", paths(got), err)
	}
	if err := os.Symlink("home", f.path("linkhome")); err != nil {
		t.Fatal(err)
	}
	if got, err := Scan(f.path("linkhome"), trees, 0); err == nil || len(got) != 0 {
		t.Errorf("home a link: %q, %v; want an error", paths(got), err)
	}
	e := Entry{Path: "a/f"}
	if err := Chown(f.path("linkhome"), e, uid, gid); err == nil {
		t.Errorf("Chown through a linked home: no error")
	}
}

// A walk is bounded in depth: nothing below maxDepth levels is reported.
func TestScanDepth(t *testing.T) {
	f := newFixture(t)
	rel := "home/a/deep"
	for i := 1; i <= maxDepth+1; i++ {
		f.dir(rel, uid)
		rel += "/d"
	}
	// the last directory made is maxDepth levels below the tree's root
	// "a/deep": a file in it is one level too deep, a file in its parent
	// is at the bound
	parent := filepath.Dir(rel)
	f.file(parent+"/f", 0, 0)
	f.file(filepath.Dir(parent)+"/f", 0, 0)
	got, err := Scan(f.home, []string{"a/deep"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimPrefix(filepath.Dir(parent)+"/f", "home/"); len(got) != 1 || got[0].Path != want {
		t.Errorf("Scan = %q, want only the file at depth %d", paths(got), maxDepth)
	}
}

// Chown gives each entry to the user, a link itself and never its
// target; Restore gives each back to root with its old group; the tree
// is then exactly as before.
func TestChownRestore(t *testing.T) {
	f := newFixture(t)
	before := f.listing(t)
	es, err := Scan(f.home, trees, 0)
	if err != nil {
		t.Fatal(err)
	}
	var given []Entry
	for _, e := range es {
		err := Chown(f.home, e, uid, gid)
		switch {
		case e.Kept() != "" && !errors.Is(err, ErrChanged):
			t.Errorf("Chown %s (%s): %v, want ErrChanged", e.Path, e.Kept(), err)
		case e.Kept() != "":
			if got := f.owner(t, "home/"+e.Path); !strings.HasPrefix(got, "0:") {
				t.Errorf("%s (%s) after Chown: %s", e.Path, e.Kept(), got)
			}
		case err != nil:
			t.Errorf("Chown %s: %v", e.Path, err)
		default:
			given = append(given, e)
			if got := f.owner(t, "home/"+e.Path); got != "501:20" {
				t.Errorf("%s after Chown: %s", e.Path, got)
			}
		}
	}
	if socketByDescriptor && len(given) != len(all) {
		t.Errorf("given %q, want %q", paths(given), all)
	}
	for _, p := range []string{"outside", "outside/dir", "outside/dir/secret", "home/other/z"} {
		if got := f.owner(t, p); !strings.HasPrefix(got, "0:") {
			t.Errorf("%s after Chown: %s, want root's", p, got)
		}
	}
	if got, _ := Scan(f.home, trees, 0); len(got) != len(es)-len(given) {
		t.Errorf("Scan after Chown: %q", paths(got))
	}
	// no longer root's: a second Chown leaves it alone
	if err := Chown(f.home, es[0], 502, gid); !errors.Is(err, ErrChanged) {
		t.Errorf("second Chown: %v, want ErrChanged", err)
	}
	for i := len(given) - 1; i >= 0; i-- {
		if err := Restore(f.home, given[i], uid); err != nil {
			t.Errorf("Restore %s: %v", given[i].Path, err)
		}
	}
	if after := f.listing(t); after != before {
		t.Errorf("after Chown and Restore:\n%s\n----\nwant\n%s", after, before)
	}
	// already root's again: Restore leaves it alone
	if err := Restore(f.home, es[0], uid); !errors.Is(err, ErrChanged) {
		t.Errorf("second Restore: %v, want ErrChanged", err)
	}
}

// Restore gives back only what is still the user's: an entry given away
// since (to another uid) is left alone.
func TestRestoreOnlyFromTheUser(t *testing.T) {
	f := newFixture(t)
	es, _ := Scan(f.home, []string{"a/f"}, 0)
	if len(es) != 1 {
		t.Fatalf("Scan = %q", paths(es))
	}
	if err := Chown(f.home, es[0], uid, gid); err != nil {
		t.Fatal(err)
	}
	f.own("home/a/f", 502, gid)
	if err := Restore(f.home, es[0], uid); !errors.Is(err, ErrChanged) {
		t.Errorf("Restore: %v, want ErrChanged", err)
	}
	if got := f.owner(t, "home/a/f"); got != "502:20" {
		t.Errorf("a/f: %s", got)
	}
}

// Between Scan and Chown the user swaps what was scanned; Chown checks
// again on the entry it is about to change, never follows a link, and
// changes nothing that is not the scanned entry.
func TestChownRechecks(t *testing.T) {
	for _, sc := range []struct {
		name, entry string
		swap        func(f fixture)
		// the paths that must stay root's
		kept []string
	}{
		{"file replaced by a link to a root file", "a/f", func(f fixture) {
			must(os.Remove(f.path("home/a/f")))
			must(os.Symlink(f.path("outside/passwd"), f.path("home/a/f")))
		}, []string{"home/a/f", "outside/passwd"}},
		{"file replaced by a hard link to a root file", "a/f", func(f fixture) {
			must(os.Remove(f.path("home/a/f")))
			must(os.Link(f.path("outside/passwd"), f.path("home/a/f")))
		}, []string{"outside/passwd"}},
		{"file renamed over by another root file", "a/f", func(f fixture) {
			must(os.Rename(f.path("home/a/d/g"), f.path("home/a/f")))
		}, []string{"home/a/f"}},
		{"dir replaced by a link to a root dir", "a/d", func(f fixture) {
			must(os.Rename(f.path("home/a/d"), f.path("home/a/d.old")))
			must(os.Symlink(f.path("outside/dir"), f.path("home/a/d")))
		}, []string{"home/a/d", "outside/dir", "home/a/d.old"}},
		{"parent replaced by a link to where the entry went", "a/d/g", func(f fixture) {
			// the scanned file itself, now outside the home: the same
			// inode, reached only through a link
			must(os.Rename(f.path("home/a/d"), f.path("outside/moved")))
			must(os.Symlink(f.path("outside/moved"), f.path("home/a/d")))
		}, []string{"outside/moved/g", "outside/moved"}},
		{"a second name made after the scan", "a/f", func(f fixture) {
			must(os.Link(f.path("home/a/f"), f.path("outside/f2")))
		}, []string{"home/a/f", "outside/f2"}},
		{"given away since", "a/f", func(f fixture) {
			f.own("home/a/f", 502, 7)
		}, nil},
		{"removed since", "a/p", func(f fixture) {
			must(os.Remove(f.path("home/a/p")))
		}, nil},
	} {
		t.Run(sc.name, func(t *testing.T) {
			f := newFixture(t)
			es, err := Scan(f.home, trees, 0)
			if err != nil {
				t.Fatal(err)
			}
			e := find(t, es, sc.entry)
			sc.swap(f)
			before := f.listing(t)
			err = Chown(f.home, e, uid, gid)
			if err == nil || !strings.Contains(err.Error(), sc.entry) {
				t.Fatalf("Chown after the swap: %v, want an error naming %s", err, sc.entry)
			}
			if !errors.Is(err, ErrChanged) {
				t.Errorf("Chown after the swap: %v, want ErrChanged", err)
			}
			for _, p := range sc.kept {
				if got := f.owner(t, p); !strings.HasPrefix(got, "0:") {
					t.Errorf("%s: %s, want root's", p, got)
				}
			}
			if after := f.listing(t); after != before {
				t.Errorf("a refused Chown changed the tree:\n%s", after)
			}
		})
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// A file with a second name and a device node are reported by Scan but
// never given away, even when the entry handed to Chown claims
// otherwise.
func TestChownRefusesHardLinksAndDevices(t *testing.T) {
	f := newFixture(t)
	must(os.Link(f.path("outside/passwd"), f.path("home/a/hl")))
	if err := unix.Mknod(f.path("home/a/null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(f.path("home/a/blk"), unix.S_IFBLK|0o600, int(unix.Mkdev(7, 0))); err != nil {
		t.Fatal(err)
	}
	es, err := Scan(f.home, []string{"a"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	hl, null, blk := find(t, es, "a/hl"), find(t, es, "a/null"), find(t, es, "a/blk")
	if !hl.Shared() || hl.Links != 2 || hl.Device() || !null.Device() || null.Shared() || !blk.Device() {
		t.Fatalf("hl %+v null %+v blk %+v", hl, null, blk)
	}
	if !strings.Contains(hl.Kept(), "hard link") || !strings.Contains(null.Kept(), "device") || !strings.Contains(blk.Kept(), "device") {
		t.Errorf("Kept: %q %q %q", hl.Kept(), null.Kept(), blk.Kept())
	}
	before := f.listing(t)
	lying := hl
	lying.Links = 1 // as if it had a single name when scanned
	for _, e := range []Entry{hl, null, blk, lying} {
		if err := Chown(f.home, e, uid, gid); !errors.Is(err, ErrChanged) {
			t.Errorf("Chown %s (links %d): %v, want ErrChanged", e.Path, e.Links, err)
		}
	}
	if after := f.listing(t); after != before {
		t.Errorf("a refused Chown changed the tree:\n%s\n----\n%s", before, after)
	}
	for _, p := range []string{"outside/passwd", "home/a/null", "home/a/blk"} {
		if got := f.owner(t, p); !strings.HasPrefix(got, "0:") {
			t.Errorf("%s: %s", p, got)
		}
	}
}

// An entry whose path leaves the home (a forged entry: Scan never makes
// one) is never changed, though its device and inode are right.
func TestChownStaysInTheHome(t *testing.T) {
	f := newFixture(t)
	var st unix.Stat_t
	if err := unix.Lstat(f.path("outside/passwd"), &st); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"../outside/passwd", "a/../../outside/passwd", f.path("outside/passwd"), "b/passwd", "a/l/../../outside/passwd", ".", ""} {
		e := Entry{Path: p, Dev: uint64(st.Dev), Ino: uint64(st.Ino), Type: unix.S_IFREG, Links: 1}
		if err := Chown(f.home, e, uid, gid); !errors.Is(err, ErrChanged) {
			t.Errorf("Chown %q: %v, want ErrChanged", p, err)
		}
	}
	if got := f.owner(t, "outside/passwd"); got != "0:0" {
		t.Errorf("outside/passwd: %s", got)
	}
}
