package users

import (
	"errors"
	"os/user"
	"runtime"
	"strconv"
	"testing"
)

func TestLive(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Skipf("no current user: %v", err)
	}
	u, min, err := Live(me.Username)
	if err != nil {
		t.Fatalf("Live(%q): %v", me.Username, err)
	}
	want := MinUIDPasswd
	if runtime.GOOS == "darwin" {
		want = MinUIDDarwin
	}
	if u.Name != me.Username || strconv.Itoa(u.UID) != me.Uid || strconv.Itoa(u.GID) != me.Gid ||
		u.Home != me.HomeDir || u.Source != "live" || min != want {
		t.Errorf("Live(%q) = %+v, %d; want %+v, %d", me.Username, u, min, me, want)
	}
}

func TestLiveErrors(t *testing.T) {
	tests := []struct {
		name          string
		notFound, bad bool
	}{
		{"macfleet-no-such-user-7f3a", true, false},
		{"../etc", false, true},
		{"", false, true},
	}
	for _, tt := range tests {
		_, _, err := Live(tt.name)
		if err == nil {
			t.Errorf("Live(%q) succeeded", tt.name)
			continue
		}
		if errors.Is(err, ErrNotFound) != tt.notFound || errors.Is(err, ErrInvalid) != tt.bad {
			t.Errorf("Live(%q) = %v; want notFound=%v invalid=%v", tt.name, err, tt.notFound, tt.bad)
		}
	}
}
