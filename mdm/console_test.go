package mdm

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestConsoleUser(t *testing.T) {
	names := map[int]string{0: "root", 88: "_mbsetupuser", 89: "loginwindow", 501: "alice", 502: "", 503: "bad/name"}
	nameOf := func(uid int) (string, error) {
		n, ok := names[uid]
		if !ok {
			return "", fmt.Errorf("no user with uid %d", uid)
		}
		return n, nil
	}
	tests := []struct {
		uid     int
		want    string
		noUser  bool   // ErrNoConsoleUser
		wantErr string // in the message
	}{
		{uid: 501, want: "alice"},
		{uid: 0, noUser: true, wantErr: "owned by uid 0"},
		{uid: -1, noUser: true},
		{uid: 88, noUser: true, wantErr: "owned by _mbsetupuser"},
		{uid: 89, noUser: true, wantErr: "owned by loginwindow"},
		{uid: 502, noUser: true, wantErr: "uid 502, which has no user"},
		{uid: 777, noUser: true, wantErr: "uid 777, which has no user: no user with uid 777"},
		{uid: 503, wantErr: `console user (uid 503): user "bad/name": name contains '/'`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.uid), func(t *testing.T) {
			got, err := ConsoleUser(tt.uid, nameOf)
			if got != tt.want {
				t.Errorf("user = %q, want %q", got, tt.want)
			}
			if (err != nil) != (tt.noUser || tt.wantErr != "") {
				t.Fatalf("err = %v", err)
			}
			if err == nil {
				return
			}
			if errors.Is(err, ErrNoConsoleUser) != tt.noUser {
				t.Errorf("errors.Is(%v, ErrNoConsoleUser) = %v", err, !tt.noUser)
			}
			if tt.noUser && !strings.Contains(err.Error(), "no user logged in at the console (login window or Setup Assistant); rerun at login") {
				t.Errorf("message %q does not tell the admin what happened", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestConsoleUserDoesNotLookUpRoot(t *testing.T) {
	_, err := ConsoleUser(0, func(int) (string, error) {
		t.Fatal("looked up uid 0")
		return "", nil
	})
	if !errors.Is(err, ErrNoConsoleUser) {
		t.Fatal(err)
	}
}

func TestParseUserArg(t *testing.T) {
	for s, want := range map[string]bool{
		"@console": true, "@Console": true, "@CONSOLE": true,
		"alice": false, "": false, "console": false, "@console ": false, "@consoles": false,
	} {
		if got := ParseUserArg(s); got != want {
			t.Errorf("ParseUserArg(%q) = %v, want %v", s, got, want)
		}
	}
}
