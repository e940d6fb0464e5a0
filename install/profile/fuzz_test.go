package profile

import (
	"testing"
	"time"
)

// FuzzDecode: whatever bytes sit where the profile should be, the
// decoder returns a profile or an error, never panics, and a profile it
// accepts encodes and decodes back to the same profile.
func FuzzDecode(f *testing.F) {
	good, _ := Encode(&Profile{User: "alice", UID: 501, GID: 20, Home: "/Users/alice", Product: "docker",
		CLILocation: "system", InstalledAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Receipt: []Item{{Kind: "link", Path: "/usr/local/bin/docker", Target: "/Applications/Docker.app/x", Step: "links"}}})
	f.Add(good)
	f.Add([]byte("bplist00"))
	f.Add([]byte("<plist><dict><key>User</key><integer>1</integer></dict></plist>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data)
		if err != nil {
			return
		}
		again, err := Encode(p)
		if err != nil {
			t.Fatalf("accepted profile does not encode: %v", err)
		}
		q, err := Decode(again)
		if err != nil {
			t.Fatalf("re-encoded profile rejected: %v", err)
		}
		if q.User != p.User || len(q.Receipt) != len(p.Receipt) {
			t.Fatalf("round trip changed the profile: %+v -> %+v", p, q)
		}
	})
}
