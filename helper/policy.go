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
)

// PolicyFile is the cache's name inside the app support dir.
const PolicyFile = "registry-access-policy.json"

// ErrNoPolicy is returned by the client when no policy is cached.
var ErrNoPolicy = errors.New("no registry access policy is cached")

// PolicyStore is the policy cache of SPEC.md §8.
type PolicyStore struct {
	Dir string            // the app support dir, as a host path (root prefix applied)
	Key ed25519.PublicKey // the key pinned at install; nil: only root may set
}

// envelope is a signed policy: Signature is ed25519 over the exact bytes
// of Policy as they appear in the document.
type envelope struct {
	Policy    json.RawMessage `json:"policy"`
	Signature string          `json:"signature"`
}

// SignPolicy wraps policy in a signed envelope that a user may send.
func SignPolicy(key ed25519.PrivateKey, policy []byte) ([]byte, error) {
	policy = bytes.TrimSpace(policy)
	if err := validPolicy(policy); err != nil {
		return nil, err
	}
	sig, _ := json.Marshal(base64.StdEncoding.EncodeToString(ed25519.Sign(key, policy)))
	// Built by hand: json.Marshal would compact the policy and break the
	// signature over its exact bytes.
	env := append([]byte(`{"policy":`), policy...)
	env = append(append(append(env, `,"signature":`...), sig...), '}')
	return env, nil
}

// openEnvelope returns the policy inside payload and whether it was an
// envelope: a JSON object whose only keys are "policy" and "signature".
func openEnvelope(payload []byte) (policy []byte, sig []byte, signed bool, err error) {
	var keys map[string]json.RawMessage
	if json.Unmarshal(payload, &keys) != nil || len(keys) != 2 || keys["policy"] == nil || keys["signature"] == nil {
		return bytes.TrimSpace(payload), nil, false, nil
	}
	var e envelope
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, nil, true, fmt.Errorf("signed policy: %w", err)
	}
	sig, err = base64.StdEncoding.DecodeString(e.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, true, errors.New("signed policy: signature is not a base64 ed25519 signature")
	}
	return e.Policy, sig, true, nil
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
// with a valid signature by the pinned key. On any refusal the cached
// policy stays as it was.
func (p *PolicyStore) Set(payload []byte, byRoot bool) error {
	policy, sig, signed, err := openEnvelope(payload)
	if err != nil {
		return err
	}
	if err := validPolicy(policy); err != nil {
		return err
	}
	switch {
	case signed && p.Key != nil:
		if !ed25519.Verify(p.Key, policy, sig) {
			return errors.New("policy signature does not match the key pinned at install")
		}
	case byRoot:
	case signed:
		return errors.New("no policy key was pinned at install (--policy-key); only root may set the policy")
	default:
		return errors.New("only root may set an unsigned policy; sign it with the key pinned at install")
	}
	return p.write(policy)
}

// write replaces the cache atomically: a new file in the directory, then
// rename(2) over the old name. Both go through an os.Root on the directory,
// so no link in it is followed, and rename replaces a link rather than
// writing through it. (renameio cannot work inside an os.Root.)
func (p *PolicyStore) write(data []byte) error {
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
	tmp := "." + PolicyFile + "." + hex.EncodeToString(rnd[:])
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing policy: %w", err)
	}
	err = writeSync(f, data)
	if err == nil {
		err = root.Rename(tmp, PolicyFile)
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
func (p *PolicyStore) Get() ([]byte, error) {
	root, err := os.OpenRoot(p.Dir)
	if err != nil {
		return nil, fmt.Errorf("policy directory: %w", err)
	}
	defer root.Close()
	fi, err := root.Lstat(PolicyFile)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading policy: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("policy %s is not a regular file", PolicyFile)
	}
	f, err := root.Open(PolicyFile)
	if err != nil {
		return nil, fmt.Errorf("reading policy: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPolicySize+1))
	if err != nil {
		return nil, fmt.Errorf("reading policy: %w", err)
	}
	if len(data) > MaxPolicySize {
		return nil, fmt.Errorf("cached policy is larger than %d bytes", MaxPolicySize)
	}
	return data, nil
}
