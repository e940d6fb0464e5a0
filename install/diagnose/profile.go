package diagnose

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"howett.net/plist"

	"github.com/macfleet/installer/install"
)

// learnProfile registers the secrets a profile holds: the pinned policy
// key, proxy passwords and secret admin settings.
func (r *Redactor) learnProfile(p *install.Profile) {
	r.AddSecret(p.PolicyKey)
	r.learnSettings(p.Settings)
}

func (r *Redactor) learnSettings(s install.Settings) {
	for _, u := range []string{s.OverrideProxyHTTP, s.OverrideProxyHTTPS, s.OverrideProxyPAC, s.OverrideProxyEmbeddedPAC} {
		r.LearnURLs(u)
	}
	if s.AdminSettings != "" {
		r.RedactJSON([]byte(s.AdminSettings))
	}
}

// redactedProfile is the profile as the bundle shows it: decoded and
// re-encoded (an XML plist, as installed) with the policy key replaced by
// its fingerprint, proxy passwords and secret admin settings masked, and
// the saved copies of replaced files redacted like any other text.
func (r *Redactor) redactedProfile(p install.Profile) ([]byte, error) {
	if p.PolicyKey != "" {
		sum := sha256.Sum256([]byte(p.PolicyKey))
		p.PolicyKey = fmt.Sprintf("%s (redacted; sha256 of the key %s)", Mask, hex.EncodeToString(sum[:8]))
	}
	s := &p.Settings
	for _, v := range []*string{&s.OverrideProxyHTTP, &s.OverrideProxyHTTPS, &s.OverrideProxyPAC, &s.OverrideProxyEmbeddedPAC, &s.OverrideProxyExclude} {
		*v = r.RedactString(*v)
	}
	if s.AdminSettings != "" {
		if out, ok := r.RedactJSON([]byte(s.AdminSettings)); ok {
			s.AdminSettings = string(bytes.TrimSpace(out))
		} else {
			s.AdminSettings = r.RedactString(s.AdminSettings)
		}
	}
	p.Receipt = append([]install.Item(nil), p.Receipt...)
	for i := range p.Receipt {
		if d := p.Receipt[i].PreviousData; len(d) > 0 {
			p.Receipt[i].PreviousData, _ = r.Redact(append([]byte(nil), d...))
		}
	}
	var buf bytes.Buffer
	enc := plist.NewEncoderForFormat(&buf, plist.XMLFormat)
	enc.Indent("\t")
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encoding the redacted profile: %w", err)
	}
	return buf.Bytes(), nil
}
