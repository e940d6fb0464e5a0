package trust

import (
	"io/fs"
	"testing"
)

func TestCheck(t *testing.T) {
	live := Context{Live: true}
	rootOffline := Context{}
	user := Context{Euid: 501, Egid: 20}
	liveUser := Context{Live: true, Euid: 501, Egid: 20}
	dir := fs.ModeDir
	sticky := fs.ModeDir | fs.ModeSticky
	for _, tc := range []struct {
		name string
		e    Entry
		c    Context
		want Kind // 0: trusted
	}{
		{"root:wheel 0755", Entry{0, 0, dir | 0o755, false}, live, 0},
		{"root:wheel 0644 file", Entry{0, 0, 0o644, false}, live, 0},
		{"/Library root:admin 0775", Entry{0, 80, dir | 0o775, false}, live, 0},
		{"/private/var/run root:daemon 0775", Entry{0, 1, dir | 0o775, true}, live, 0},
		{"root:wheel 0775", Entry{0, 0, dir | 0o775, false}, live, 0},
		{"/ root:admin 1775 above", Entry{0, 80, sticky | 0o775, true}, live, 0},
		{"root:staff 0775", Entry{0, 20, dir | 0o775, false}, live, Group},
		{"root:staff 0775 above", Entry{0, 20, dir | 0o775, true}, live, Group},
		{"root:staff 0755", Entry{0, 20, dir | 0o755, false}, live, 0},
		{"root:root 0777", Entry{0, 0, dir | 0o777, false}, live, World},
		{"root:root 0777 above", Entry{0, 0, dir | 0o777, true}, live, World},
		{"/tmp 1777 above", Entry{0, 0, sticky | 0o777, true}, live, 0},
		{"/tmp 1777 itself", Entry{0, 0, sticky | 0o777, false}, live, World},
		{"sticky file is no exception", Entry{0, 0, fs.ModeSticky | 0o777, true}, live, World},
		{"alice:staff 0755", Entry{501, 20, dir | 0o755, false}, live, Owner},
		{"alice-owned above", Entry{501, 20, dir | 0o755, true}, live, Owner},
		{"alice sticky above", Entry{501, 20, sticky | 0o777, true}, live, Owner},
		{"alice:admin dragged app", Entry{501, 80, dir | 0o755, false}, live, Owner},
		{"link by root", Entry{0, 0, fs.ModeSymlink | 0o777, false}, live, 0},
		{"link by alice", Entry{501, 20, fs.ModeSymlink | 0o777, false}, live, Owner},
		{"offline as root: alice still refused", Entry{501, 20, dir | 0o755, false}, rootOffline, Owner},
		{"offline as root: staff still refused", Entry{0, 20, dir | 0o775, false}, rootOffline, Group},
		{"offline as alice: her dir", Entry{501, 20, dir | 0o755, false}, user, 0},
		{"offline as alice: her group writes", Entry{501, 20, dir | 0o775, false}, user, 0},
		{"offline as alice: root:staff 0775", Entry{0, 20, dir | 0o775, false}, user, 0},
		{"offline as alice: bob's dir", Entry{502, 20, dir | 0o755, false}, user, Owner},
		{"offline as alice: group 12 writes", Entry{501, 12, dir | 0o775, false}, user, Group},
		{"offline as alice: world-writable", Entry{501, 20, dir | 0o777, false}, user, World},
		{"offline as alice: admin", Entry{501, 80, dir | 0o775, false}, user, 0},
		{"dragged app: alice may own it", Entry{501, 80, dir | 0o755, false}, Context{Live: true, AlsoOwner: 501}, 0},
		{"dragged app: bob may not", Entry{502, 80, dir | 0o755, false}, Context{Live: true, AlsoOwner: 501}, Owner},
		{"dragged app: staff may not write", Entry{501, 20, dir | 0o775, false}, Context{Live: true, AlsoOwner: 501}, Group},
		{"live as alice: her dir", Entry{501, 20, dir | 0o755, false}, liveUser, Owner},
		{"live as alice: her group", Entry{0, 20, dir | 0o775, false}, liveUser, Group},
	} {
		got := Check(tc.e, tc.c)
		switch {
		case tc.want == 0 && got != nil:
			t.Errorf("%s: refused: %v", tc.name, got)
		case tc.want != 0 && got == nil:
			t.Errorf("%s: trusted, want kind %d", tc.name, tc.want)
		case tc.want != 0 && got.Kind != tc.want:
			t.Errorf("%s: %v (kind %d), want kind %d", tc.name, got, got.Kind, tc.want)
		}
	}
}

func TestProblemWords(t *testing.T) {
	for _, tc := range []struct {
		p        Problem
		msg, fix string
	}{
		{Problem{Kind: Owner, UID: 501}, "owned by uid 501, not root", `chown root:wheel "/x"`},
		{Problem{Kind: World, Perm: 0o777}, "writable by everyone (mode 0777)", `chmod o-w "/x"`},
		{Problem{Kind: Group, GID: 20, Perm: 0o775}, "writable by group 20 (mode 0775)", `chmod g-w "/x"`},
	} {
		if got := tc.p.Error(); got != tc.msg {
			t.Errorf("Error() = %q, want %q", got, tc.msg)
		}
		if got := tc.p.Fix("/x"); got != tc.fix {
			t.Errorf("Fix() = %q, want %q", got, tc.fix)
		}
	}
}
