// This code runs as root inside vmnetd: it writes the Registry Access
// Management policy cache that the developer may read but not change.

package helper

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// PolicyFile is the cache's name inside the app support dir;
// PolicyVersionFile beside it holds the highest version stored, as ASCII
// decimal and a newline (both root:wheel 0644).
const (
	PolicyFile        = "registry-access-policy.json"
	PolicyVersionFile = "registry-access-policy.version"
	// maxPolicyVersion keeps versions exact in every JSON reader (2^53).
	maxPolicyVersion = 1 << 53
)

// ErrNoPolicy is returned by the client when no policy is cached.
var ErrNoPolicy = errors.New("no registry access policy is cached")

// PolicyStore is the policy cache of docs/contract.md §8.
type PolicyStore struct {
	Dir string            // the app support dir, as a host path (root prefix applied)
	Key ed25519.PublicKey // the key pinned at install; nil: only root may set

	mu sync.Mutex // one Set at a time: the version check and the writes are one step
}

// envelope is a signed policy (docs/contract.md §8, PROTOCOL.md §4): Signature is
// ed25519 over signedBytes(Version, Policy), Policy's exact bytes as they
// appear in the document.
type envelope struct {
	Version   json.RawMessage `json:"version"`
	Policy    json.RawMessage `json:"policy"`
	Signature string          `json:"signature"`
}

// signedBytes is what a policy signature covers: the version in ASCII
// decimal, one "\n", then the policy's exact bytes.
func signedBytes(version uint64, policy []byte) []byte {
	b := strconv.AppendUint(nil, version, 10)
	return append(append(b, '\n'), policy...)
}

// SignPolicy wraps policy in an envelope of the given version, signed by
// key, that a user may send.
func SignPolicy(key ed25519.PrivateKey, version uint64, policy []byte) ([]byte, error) {
	policy = bytes.TrimSpace(policy)
	if err := validPolicy(policy); err != nil {
		return nil, err
	}
	if version < 1 || version > maxPolicyVersion {
		return nil, fmt.Errorf("policy version %d is out of range (1 to %d)", version, uint64(maxPolicyVersion))
	}
	sig, _ := json.Marshal(base64.StdEncoding.EncodeToString(ed25519.Sign(key, signedBytes(version, policy))))
	// Built by hand: json.Marshal would compact the policy and break the
	// signature over its exact bytes.
	env := strconv.AppendUint([]byte(`{"version":`), version, 10)
	env = append(append(env, `,"policy":`...), policy...)
	env = append(append(append(env, `,"signature":`...), sig...), '}')
	return env, nil
}

// opened is a policy-set payload taken apart.
type opened struct {
	policy  []byte
	sig     []byte
	version uint64
	signed  bool
}

// openEnvelope takes payload apart. It is an envelope when it is a JSON
// object with the keys "policy" and "signature" and no key besides those
// and "version"; anything else is a plain policy.
func openEnvelope(payload []byte) (opened, error) {
	var keys map[string]json.RawMessage
	plain := opened{policy: bytes.TrimSpace(payload)}
	if json.Unmarshal(payload, &keys) != nil || keys["policy"] == nil || keys["signature"] == nil {
		return plain, nil
	}
	for k := range keys {
		if k != "policy" && k != "signature" && k != "version" {
			return plain, nil
		}
	}
	var e envelope
	if err := json.Unmarshal(payload, &e); err != nil {
		return opened{}, fmt.Errorf("signed policy: %w", err)
	}
	if e.Version == nil {
		return opened{}, errors.New(`signed policy has no "version": sign it again with a version higher than the stored one`)
	}
	v, err := parseVersion(e.Version)
	if err != nil {
		return opened{}, fmt.Errorf("signed policy: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(e.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return opened{}, errors.New("signed policy: signature is not a base64 ed25519 signature")
	}
	return opened{policy: e.Policy, sig: sig, version: v, signed: true}, nil
}

// parseVersion accepts only the canonical decimal form (no sign, leading
// zero, fraction or exponent): the signature covers exactly these digits.
func parseVersion(raw []byte) (uint64, error) {
	s := string(raw)
	bad := len(s) == 0 || s[0] < '1' || s[0] > '9'
	for _, r := range s {
		bad = bad || r < '0' || r > '9'
	}
	if bad || len(s) > 16 {
		return 0, fmt.Errorf("version %.20s is not an integer from 1 to %d", s, uint64(maxPolicyVersion))
	}
	v, _ := strconv.ParseUint(s, 10, 64)
	if v > maxPolicyVersion {
		return 0, fmt.Errorf("version %s is larger than %d", s, uint64(maxPolicyVersion))
	}
	return v, nil
}

func validPolicy(p []byte) error {
	if len(p) > MaxPolicySize {
		return fmt.Errorf("policy of %d bytes is larger than %d", len(p), MaxPolicySize)
	}
	if !json.Valid(p) || len(p) == 0 || p[0] != '{' {
		return errors.New("policy is not a JSON object")
	}
	return nil
}

// Set stores payload (a policy, or a signed envelope) if the sender may:
// root always (a signature it sends must still be right), the user only
// with a valid signature by the pinned key. An envelope's version must be
// higher than the stored one, so an old signed policy cannot be replayed
// over a newer one; root's plain policy takes the stored version plus one.
// On any refusal the cached policy and version stay as they were.
func (p *PolicyStore) Set(payload []byte, byRoot bool) error {
	o, err := openEnvelope(payload)
	if err != nil {
		return err
	}
	if err := validPolicy(o.policy); err != nil {
		return err
	}
	switch {
	case o.signed && p.Key != nil:
		if !ed25519.Verify(p.Key, signedBytes(o.version, o.policy), o.sig) {
			return errors.New("policy signature does not match the key pinned at install (it covers the version, a newline and the policy)")
		}
	case byRoot:
	case o.signed:
		return errors.New("no policy key was pinned at install (--policy-key); only root may set the policy")
	default:
		return errors.New("only root may set an unsigned policy; sign it with the key pinned at install")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	stored, err := p.storedVersion()
	if err != nil {
		return err
	}
	v := o.version
	switch {
	case !o.signed:
		v = min(stored+1, maxPolicyVersion)
	case v <= stored:
		return fmt.Errorf("policy version %d is not higher than the stored version %d: an older policy cannot replace a newer one; sign it with version %d or higher", v, stored, stored+1)
	}
	// The version first: a crash between the two writes leaves a version
	// ahead of the policy, which refuses a replay rather than allowing one.
	if err := p.write(PolicyVersionFile, strconv.AppendUint(nil, v, 10), true); err != nil {
		return err
	}
	return p.write(PolicyFile, o.policy, false)
}

// Version is the highest policy version stored (0: none yet).
func (p *PolicyStore) Version() (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.storedVersion()
}

func (p *PolicyStore) storedVersion() (uint64, error) {
	data, err := p.read(PolicyVersionFile, 64)
	if err != nil || data == nil {
		return 0, err
	}
	s := strings.TrimSuffix(string(data), "\n")
	v, err := parseVersion([]byte(s))
	if err != nil {
		return 0, fmt.Errorf("stored policy version %s is corrupt (%w); remove it as root to start again from version 0", filepath.Join(p.Dir, PolicyVersionFile), err)
	}
	return v, nil
}

// write replaces the cache atomically: a new file in the directory, then
// rename(2) over the old name. Both go through an os.Root on the directory,
// so no link in it is followed, and rename replaces a link rather than
// writing through it. (renameio cannot work inside an os.Root.)
func (p *PolicyStore) write(name string, data []byte, newline bool) error {
	if newline {
		data = append(data, '\n')
	}
	if err := checkTrustedDir(p.Dir); err != nil {
		return fmt.Errorf("policy directory: %w", err)
	}
	root, err := os.OpenRoot(p.Dir)
	if err != nil {
		return fmt.Errorf("policy directory: %w", err)
	}
	defer root.Close()
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := "." + name + "." + hex.EncodeToString(rnd[:])
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing policy: %w", err)
	}
	err = writeSync(f, data)
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		root.Remove(tmp)
		return fmt.Errorf("writing policy: %w", err)
	}
	if d, err := root.Open("."); err == nil {
		d.Sync() // make the rename durable; nothing to undo if it fails
		d.Close()
	}
	return nil
}

func writeSync(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(0o644) // whatever the umask said
	}
	if err == nil && os.Geteuid() == 0 {
		err = f.Chown(0, 0) // root:wheel even where the directory's group differs
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get returns the cached policy, or nil when there is none.
func (p *PolicyStore) Get() ([]byte, error) { return p.read(PolicyFile, MaxPolicySize) }

// read returns the file name in the directory (nil when missing), never
// through a link and never more than limit bytes.
func (p *PolicyStore) read(name string, limit int64) ([]byte, error) {
	root, err := os.OpenRoot(p.Dir)
	if err != nil {
		return nil, fmt.Errorf("policy directory: %w", err)
	}
	defer root.Close()
	fi, err := root.Lstat(name)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", filepath.Join(p.Dir, name))
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", filepath.Join(p.Dir, name), limit)
	}
	return data, nil
}
