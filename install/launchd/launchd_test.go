package launchd

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestArgs(t *testing.T) {
	for _, tc := range []struct{ got, want []string }{
		{bootstrapArgs("/Library/LaunchDaemons/com.docker.socket.plist"), []string{"bootstrap", "system", "/Library/LaunchDaemons/com.docker.socket.plist"}},
		{bootoutArgs("com.docker.vmnetd"), []string{"bootout", "system/com.docker.vmnetd"}},
		{printArgs("com.docker.vmnetd"), []string{"print", "system/com.docker.vmnetd"}},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestRecorder(t *testing.T) {
	var out strings.Builder
	r := &Recorder{Out: &out}
	if _, err := r.Print("com.docker.socket"); !errors.Is(err, ErrNotLoaded) {
		t.Fatalf("print before bootstrap: %v", err)
	}
	if err := r.Bootstrap("/Library/LaunchDaemons/com.docker.socket.plist"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Print("com.docker.socket"); err != nil {
		t.Fatalf("print after bootstrap: %v", err)
	}
	if err := r.Bootout("com.docker.socket"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Print("com.docker.socket"); !errors.Is(err, ErrNotLoaded) {
		t.Fatalf("print after bootout: %v", err)
	}
	want := "launchctl print system/com.docker.socket\n" +
		"launchctl bootstrap system /Library/LaunchDaemons/com.docker.socket.plist\n" +
		"launchctl print system/com.docker.socket\n" +
		"launchctl bootout system/com.docker.socket\n" +
		"launchctl print system/com.docker.socket\n"
	if out.String() != want {
		t.Fatalf("recorded:\n%s\nwant:\n%s", out.String(), want)
	}
}
