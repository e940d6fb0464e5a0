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
	env, err := SignPolicy(priv, []byte(" {\"allowedRegistries\": [\"docker.io\"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	policy, sig, signed, err := openEnvelope(env)
	if err != nil || !signed || !ed25519.Verify(pub, policy, sig) {
		t.Fatalf("envelope %s does not open: %v", env, err)
	}
	if string(policy) != `{"allowedRegistries": ["docker.io"]}` {
		t.Fatalf("signed bytes = %q", policy)
	}
	if _, _, signed, _ := openEnvelope([]byte(`{"policy":{},"signature":"x","more":1}`)); signed {
		t.Fatal("an object with a third key is not an envelope")
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
	good, _ := SignPolicy(r.priv, []byte(`{"v":1}`))
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	forged, _ := SignPolicy(other, []byte(`{"v":2}`))
	tampered := strings.Replace(string(good), `{"v":1}`, `{"v":3}`, 1)

	if out := runPolicyChild(t, r.socket, `{"v":0}`); !strings.Contains(out, "only root may set an unsigned policy") {
		t.Fatalf("unsigned from user: %s", out)
	}
	if out := runPolicyChild(t, r.socket, string(good)); out != "ok" {
		t.Fatalf("signed from user: %s", out)
	}
	if got := r.stored(t); got != `{"v":1}` {
		t.Fatalf("stored %q", got)
	}
	for _, bad := range []string{string(forged), tampered} {
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
	signed, _ := SignPolicy(r.priv, []byte(`{"v":1}`))
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
	if err == nil || !strings.Contains(err.Error(), "world-writable") {
		t.Fatalf("policy written into a world-writable dir: %v", err)
	}
}

// runPolicyChild sends a policy as uid nobody.
func runPolicyChild(t *testing.T, socket, policy string) string {
	return runChildOutput(t, nobody, "policy-set", socket, base64.StdEncoding.EncodeToString([]byte(policy)))
}
