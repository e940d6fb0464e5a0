package diagnose

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Mask replaces every secret in a bundle.
const Mask = "***"

// minSecret is the shortest literal the redactor hunts for everywhere:
// replacing every "ab" in a log would destroy it. Shorter secrets are
// still masked where their structure shows them (URL, JSON key, plist key).
const minSecret = 4

// Redactor removes secrets from the text of a bundle: the patterns below
// catch them by their shape wherever they appear, and every secret value
// found in a structured source (the profile, the settings files) is then
// also replaced literally in every file, in the forms the installer's
// encoders give it (raw, XML-, JSON- and URL-escaped).
type Redactor struct {
	literals map[string]bool
	sorted   []string // literals, longest first; nil when stale
}

// NewRedactor returns a redactor that knows no literal secret yet.
func NewRedactor() *Redactor { return &Redactor{literals: map[string]bool{}} }

// AddSecret registers a secret value to be replaced wherever it appears.
func (r *Redactor) AddSecret(s string) {
	if len(s) < minSecret || s == Mask {
		return
	}
	forms := []string{s, xmlEscape(s), jsonBody(s, true), jsonBody(s, false),
		url.QueryEscape(s), url.PathEscape(s), strings.TrimPrefix(url.UserPassword("u", s).String(), "u:")}
	for _, f := range forms {
		if len(f) >= minSecret && !r.literals[f] {
			r.literals[f] = true
			r.sorted = nil
		}
	}
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func jsonBody(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s)
	out := strings.TrimSpace(b.String())
	return out[1 : len(out)-1]
}

// The shapes of secrets. Each keeps what names the secret and masks the
// value, so a reader still sees that there was one.
var (
	// scheme://user:password@host
	urlCreds = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.\-]*://[^\s/?#@:"'<>]*:)([^\s/?#@"'<>]+)(@)`)
	// "aPassword": "value" (JSON, zap log lines)
	jsonSecret = regexp.MustCompile(`(?i)("[^"\\]*(?:` + secretWords + `)[^"\\]*"\s*:\s*)("(?:[^"\\]|\\.)*")`)
	// <key>Password</key> <string>value</string> (plists)
	plistSecret = regexp.MustCompile(`(?i)(<key>[^<]*(?:` + secretWords + `)[^<]*</key>\s*<(?:string|data)>)([^<]*)(</(?:string|data)>)`)
	// password=value, token: value (command lines, environments, logs)
	kvSecret = regexp.MustCompile(`(?i)\b([a-z0-9_.\-]*(?:` + secretWords + `)[a-z0-9_.\-]*\s*[=:]\s*)([^\s"'&,;<]+)`)
	// Authorization: Bearer value
	authHeader = regexp.MustCompile(`(?i)(authorization:\s*(?:bearer|basic|token)\s+)([^\s"']+)`)

	rules = []*regexp.Regexp{urlCreds, jsonSecret, plistSecret, kvSecret, authHeader}
)

// secretWords are the names of secrets in free text; "key" alone is too
// common there, so only its compound forms count.
const secretWords = `password|passwd|passphrase|secret|token|credential|api[_\-]?key|private[_\-]?key|signing[_\-]?key|policy[_\-]?key|access[_\-]?key`

// Redact returns b without secrets and how many it replaced.
func (r *Redactor) Redact(b []byte) ([]byte, int) {
	n := 0
	mask := []byte(Mask)
	for _, rule := range rules {
		re := rule
		b = re.ReplaceAllFunc(b, func(m []byte) []byte {
			// Groups: 1 what names the secret, 2 the value, 3 what follows.
			sub := re.FindSubmatchIndex(m)
			value := m[sub[4]:sub[5]]
			if bytes.HasPrefix(value, mask) || bytes.HasPrefix(value, []byte(`"`+Mask)) {
				return m // already masked
			}
			n++
			out := append([]byte{}, m[sub[2]:sub[3]]...)
			if re == jsonSecret {
				out = append(out, `"`+Mask+`"`...)
			} else {
				out = append(out, mask...)
			}
			if len(sub) > 6 && sub[6] >= 0 {
				out = append(out, m[sub[6]:sub[7]]...)
			}
			return out
		})
	}
	for _, lit := range r.sortedLiterals() {
		if c := bytes.Count(b, []byte(lit)); c > 0 {
			b = bytes.ReplaceAll(b, []byte(lit), mask)
			n += c
		}
	}
	return b, n
}

// RedactString is Redact for a string.
func (r *Redactor) RedactString(s string) string {
	b, _ := r.Redact([]byte(s))
	return string(b)
}

func (r *Redactor) sortedLiterals() []string {
	if r.sorted == nil {
		r.sorted = make([]string, 0, len(r.literals))
		for l := range r.literals {
			r.sorted = append(r.sorted, l)
		}
		sort.Slice(r.sorted, func(i, j int) bool {
			if len(r.sorted[i]) != len(r.sorted[j]) {
				return len(r.sorted[i]) > len(r.sorted[j])
			}
			return r.sorted[i] < r.sorted[j]
		})
	}
	return r.sorted
}

// LearnURLs registers the passwords of the URLs in s (a proxy setting,
// perhaps a list or a PAC script), also those written without a scheme.
func (r *Redactor) LearnURLs(s string) {
	for _, m := range urlCreds.FindAllStringSubmatch(s, -1) {
		r.learnPassword(m[2])
	}
	if !strings.Contains(s, "://") && strings.Contains(s, "@") {
		if u, err := url.Parse("http://" + strings.TrimSpace(s)); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok {
				r.AddSecret(p)
			}
		}
	}
}

func (r *Redactor) learnPassword(escaped string) {
	r.AddSecret(escaped)
	if p, err := url.PathUnescape(escaped); err == nil {
		r.AddSecret(p)
	}
}

// SecretKey reports whether a settings key names a secret: its words
// (camelCase, snake_case, kebab-case) include password, token, secret,
// key, credential, auth and the like.
func SecretKey(k string) bool {
	lk := strings.ToLower(k)
	for _, w := range []string{"password", "passwd", "passphrase", "secret", "token", "credential", "apikey", "privatekey"} {
		if strings.Contains(lk, w) {
			return true
		}
	}
	for _, w := range keyWords(k) {
		switch w {
		case "key", "keys", "pass", "pwd", "auth", "authorization", "cookie", "signature", "cert", "pem":
			return true
		}
	}
	return false
}

// keyWords splits a key into lower-case words: "httpProxyPassword" →
// http, proxy, password; "APIKey" → api, key; "client_secret" → client, secret.
func keyWords(k string) []string {
	var words []string
	var cur []rune
	rs := []rune(k)
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i, c := range rs {
		switch {
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			flush()
			continue
		case unicode.IsUpper(c) && len(cur) > 0:
			prevLower := unicode.IsLower(cur[len(cur)-1]) || unicode.IsDigit(cur[len(cur)-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || nextLower {
				flush()
			}
		}
		cur = append(cur, c)
	}
	flush()
	return words
}

// RedactJSON masks every value under a secret-looking key of a JSON
// document (strings and numbers; booleans say nothing secret and stay)
// and the passwords of URLs anywhere in it, registering each masked value
// as a literal secret. It returns the document re-indented; invalid JSON
// is returned as is with ok false, for the pattern rules to handle.
func (r *Redactor) RedactJSON(data []byte) (out []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return data, false
	}
	v = r.redactValue(v, false)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return data, false
	}
	return b.Bytes(), true
}

func (r *Redactor) redactValue(v any, secret bool) any {
	switch x := v.(type) {
	case map[string]any:
		for k, vv := range x {
			x[k] = r.redactValue(vv, secret || SecretKey(k))
		}
	case []any:
		for i := range x {
			x[i] = r.redactValue(x[i], secret)
		}
	case string:
		if secret {
			r.AddSecret(x)
			return Mask
		}
		r.LearnURLs(x)
		return r.RedactString(x)
	case json.Number:
		if secret {
			r.AddSecret(x.String())
			return Mask
		}
	}
	return v
}
