package helper

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestSignedPolicyEnvelope(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	env, err := SignPolicy(priv, 7, []byte(" {\"allowedRegistries\": [\"docker.io\"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := openEnvelope(env)
	if err != nil || !o.signed || o.version != 7 {
		t.Fatalf("envelope %s does not open: %+v, %v", env, o, err)
	}
	// docs/contract.md §8: the signature covers ASCII decimal N, "\n", the policy's exact bytes.
	if !ed25519.Verify(pub, []byte("7\n{\"allowedRegistries\": [\"docker.io\"]}"), o.sig) {
		t.Fatal("signature is not over \"7\\n\" and the policy bytes")
	}
	if string(o.policy) != `{"allowedRegistries": ["docker.io"]}` {
		t.Fatalf("signed bytes = %q", o.policy)
	}
	if o, _ := openEnvelope([]byte(`{"policy":{},"signature":"x","more":1}`)); o.signed {
		t.Fatal("an object with another key is not an envelope")
	}
	for _, bad := range []string{`{"policy":{},"signature":"x"}`, `{"version":0,"policy":{},"signature":"x"}`,
		`{"version":01,"policy":{},"signature":"x"}`, `{"version":1e3,"policy":{},"signature":"x"}`,
		`{"version":-1,"policy":{},"signature":"x"}`, `{"version":"1","policy":{},"signature":"x"}`,
		`{"version":99999999999999999,"policy":{},"signature":"x"}`} {
		o, err := openEnvelope([]byte(bad))
		if err == nil {
			err = validPolicy(o.policy) // not JSON: stored as nothing either
		}
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want a one-line error", bad, err)
		}
	}
}

type policyRig struct {
	ts     *testServer
	dir    string
	priv   ed25519.PrivateKey
	socket string
}

func newPolicyRig(t *testing.T, withKey bool) *policyRig {
	needRoot(t)
	dir := filepath.Join(testDir(t), "support")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	store := &PolicyStore{Dir: dir}
	if withKey {
		store.Key = pub
	}
	ts := startServer(t, Config{Policy: store})
	os.Chmod(ts.socket, 0o666) // let the in-process test act as the user via the child too
	return &policyRig{ts: ts, dir: dir, priv: priv, socket: ts.socket}
}

func (r *policyRig) stored(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join(r.dir, PolicyFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRootSetsAnyValidPolicy(t *testing.T) {
	r := newPolicyRig(t, false)
	c := r.ts.client()
	ctx := context.Background()
	if _, err := c.Policy(ctx); err != ErrNoPolicy {
		t.Fatalf("empty cache: %v", err)
	}
	if err := c.SetPolicy(ctx, []byte(`{"allowed":["a"]}`)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(r.dir, PolicyFile))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm() != 0o644 || st.Uid != 0 || st.Gid != 0 {
		t.Fatalf("policy file mode %v owner %d:%d, want 0644 0:0", fi.Mode(), st.Uid, st.Gid)
	}
	for _, bad := range []string{`not json`, `[1,2]`, `{"a":` + strings.Repeat(" ", MaxPolicySize) + `1}`} {
		if err := c.SetPolicy(ctx, []byte(bad)); err == nil {
			t.Errorf("policy %.20q was accepted", bad)
		}
	}
	got, err := c.Policy(ctx)
	if err != nil || string(got) != `{"allowed":["a"]}` {
		t.Fatalf("after refusals: %q, %v", got, err)
	}
}

func TestUserNeedsPinnedKeySignature(t *testing.T) {
	r := newPolicyRig(t, true)
	ctx := context.Background()
	good, _ := SignPolicy(r.priv, 1, []byte(`{"v":1}`))
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	forged, _ := SignPolicy(other, 2, []byte(`{"v":2}`))
	tampered := strings.Replace(string(good), `{"v":1}`, `{"v":3}`, 1)
	bumped := strings.Replace(string(good), `"version":1`, `"version":9`, 1)

	if out := runPolicyChild(t, r.socket, `{"v":0}`); !strings.Contains(out, "only root may set an unsigned policy") {
		t.Fatalf("unsigned from user: %s", out)
	}
	if out := runPolicyChild(t, r.socket, string(good)); out != "ok" {
		t.Fatalf("signed from user: %s", out)
	}
	if got := r.stored(t); got != `{"v":1}` {
		t.Fatalf("stored %q", got)
	}
	for _, bad := range []string{string(forged), tampered, bumped} {
		if out := runPolicyChild(t, r.socket, bad); !strings.Contains(out, "signature does not match") {
			t.Fatalf("bad signature from user: %s", out)
		}
	}
	// Root's bad signatures are refused too; the old policy stays.
	if err := r.ts.client().SetPolicy(ctx, forged); err == nil {
		t.Fatal("root's forged envelope was accepted")
	}
	if got := r.stored(t); got != `{"v":1}` {
		t.Fatalf("after refusals stored %q", got)
	}
}

func TestUserWithoutPinnedKeyIsRefused(t *testing.T) {
	r := newPolicyRig(t, false)
	signed, _ := SignPolicy(r.priv, 1, []byte(`{"v":1}`))
	if out := runPolicyChild(t, r.socket, string(signed)); !strings.Contains(out, "no policy key was pinned") {
		t.Fatalf("signed without key: %s", out)
	}
}

func TestPolicyWriteReplacesLinkNotTarget(t *testing.T) {
	r := newPolicyRig(t, false)
	victim := filepath.Join(testDir(t), "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	os.Symlink(victim, filepath.Join(r.dir, PolicyFile))
	if _, err := r.ts.client().Policy(context.Background()); err == nil {
		t.Fatal("read through a link")
	}
	if err := r.ts.client().SetPolicy(context.Background(), []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Fatalf("wrote through the link: victim now %q", b)
	}
	if fi, _ := os.Lstat(filepath.Join(r.dir, PolicyFile)); !fi.Mode().IsRegular() {
		t.Fatal("link still in place")
	}
}

func TestPolicyDirMustBeRootOnly(t *testing.T) {
	r := newPolicyRig(t, false)
	os.Chmod(r.dir, 0o777)
	err := r.ts.client().SetPolicy(context.Background(), []byte(`{"v":1}`))
	if err == nil || !strings.Contains(err.Error(), "writable by everyone") {
		t.Fatalf("policy written into a world-writable dir: %v", err)
	}
}

// runPolicyChild sends a policy as uid nobody.
func runPolicyChild(t *testing.T, socket, policy string) string {
	return runChildOutput(t, nobody, "policy-set", socket, base64.StdEncoding.EncodeToString([]byte(policy)))
}

// TestPolicyReplayRefused: the user's old envelope cannot overwrite a newer
// policy, root's plain set raises the stored version by one, and every
// refusal is one line that leaves the policy and its version as they were.
func TestPolicyReplayRefused(t *testing.T) {
	r := newPolicyRig(t, true)
	ctx := context.Background()
	sign := func(v uint64, p string) string { e, _ := SignPolicy(r.priv, v, []byte(p)); return string(e) }
	version := func() uint64 {
		v, err := r.ts.cfg.Policy.Version()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v1, v2 := sign(1, `{"v":1}`), sign(2, `{"v":2}`)
	if out := runPolicyChild(t, r.socket, v2); out != "ok" {
		t.Fatalf("v2 from user: %s", out)
	}
	for _, replay := range []string{v1, v2} {
		out := runPolicyChild(t, r.socket, replay)
		if !strings.Contains(out, "is not higher than the stored version 2") || strings.Contains(out, "\n") {
			t.Fatalf("replay: %s", out)
		}
	}
	if got := r.stored(t); got != `{"v":2}` || version() != 2 {
		t.Fatalf("after replays: %q, version %d", got, version())
	}
	// Root sets a plain policy: version 3. The user's v2 stays refused
	// (the replay of the issue), and so does root's own replay.
	if err := r.ts.client().SetPolicy(ctx, []byte(`{"root":true}`)); err != nil {
		t.Fatal(err)
	}
	if version() != 3 {
		t.Fatalf("root's set: version %d, want 3", version())
	}
	if out := runPolicyChild(t, r.socket, v2); !strings.Contains(out, "not higher than the stored version 3") {
		t.Fatalf("v2 over root's v3: %s", out)
	}
	if err := r.ts.client().SetPolicy(ctx, []byte(v2)); err == nil {
		t.Fatal("root replayed v2 over v3")
	}
	if b, _ := os.ReadFile(filepath.Join(r.dir, PolicyVersionFile)); string(b) != "3\n" {
		t.Fatalf("version file %q", b)
	}
	if got := r.stored(t); got != `{"root":true}` {
		t.Fatalf("stored %q", got)
	}
	if out := runPolicyChild(t, r.socket, sign(4, `{"v":4}`)); out != "ok" || r.stored(t) != `{"v":4}` {
		t.Fatalf("v4: %s", out)
	}
	// An envelope without a version (today's format) is refused.
	old := `{"policy":{"v":5},"signature":"` + base64.StdEncoding.EncodeToString(ed25519.Sign(r.priv, []byte(`{"v":5}`))) + `"}`
	if out := runPolicyChild(t, r.socket, old); !strings.Contains(out, `has no "version"`) {
		t.Fatalf("envelope without version: %s", out)
	}
	if version() != 4 {
		t.Fatalf("version %d after refusals, want 4", version())
	}
}

// TestPolicyDirStickyOpenRefused: a root-owned, world-writable sticky
// directory (a /tmp of its own) is no place for the policy. The sticky
// bit keeps others from renaming root's entries, which is why /tmp above
// the directory is fine, but in the directory itself anyone may create the
// names vmnetd has not written yet (the version file, the temporary
// file), so it is refused, through the server as root sets a policy, and
// nothing is written there.
func TestPolicyDirStickyOpenRefused(t *testing.T) {
	r := newPolicyRig(t, false)
	if err := os.Chmod(r.dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(r.dir); err != nil || fi.Mode()&os.ModeSticky == 0 || fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Fatalf("rig: %v %v", fi.Mode(), err)
	}
	err := r.ts.client().SetPolicy(context.Background(), []byte(`{"v":1}`))
	if err == nil || !strings.Contains(err.Error(), "writable by everyone") || !strings.Contains(err.Error(), r.dir) {
		t.Fatalf("policy written into a root-owned sticky world-writable dir: %v", err)
	}
	if ents, _ := os.ReadDir(r.dir); len(ents) != 0 {
		t.Fatalf("the directory holds %d entries after the refusal, want none: %v", len(ents), ents)
	}
	// The same directory as the socket's home: the server does not start.
	if s, err := NewServer(Config{Socket: filepath.Join(r.dir, "vmnetd.sock"), UID: nobody}); err == nil {
		s.Close()
		t.Fatal("socket created in a root-owned sticky world-writable dir")
	}
}
