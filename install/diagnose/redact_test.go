package diagnose

import (
	"reflect"
	"strings"
	"testing"
)

func TestRedactPatterns(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"proxy http://user:pass@host:3128/x", "proxy http://user:***@host:3128/x"},
		{"HTTPS://u:p%40ss@h", "HTTPS://u:***@h"},
		{"socks5://:onlypass@h", "socks5://:***@h"},
		{"http://host:8080/path and user@example.com", "http://host:8080/path and user@example.com"},
		{"http://user@host", "http://user@host"},
		{`{"password":"hunter22","user":"bob"}`, `{"password":"***","user":"bob"}`},
		{`{"dbPassword" : "a\"b", "n": 1}`, `{"dbPassword" : "***", "n": 1}`},
		{`"registryToken": "t0k"`, `"registryToken": "***"`},
		{`{"monkey":"banana"}`, `{"monkey":"banana"}`},
		{"<key>ProxyPassword</key>\n\t<string>pw</string>", "<key>ProxyPassword</key>\n\t<string>***</string>"},
		{"<key>PolicyKey</key><string>AAAA</string>", "<key>PolicyKey</key><string>***</string>"},
		{"<key>Label</key><string>com.docker.socket</string>", "<key>Label</key><string>com.docker.socket</string>"},
		{"run --password=s3cret --user=x", "run --password=*** --user=x"},
		{"GET /v2/?token=abc&x=1", "GET /v2/?token=***&x=1"},
		{"api_key: zzz", "api_key: ***"},
		{"Authorization: Bearer eyJabc.def", "Authorization: Bearer ***"},
		{"nothing secret here", "nothing secret here"},
	} {
		r := NewRedactor()
		got, n := r.Redact([]byte(tc.in))
		if string(got) != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if (n > 0) != (tc.in != tc.want) {
			t.Errorf("Redact(%q) counted %d", tc.in, n)
		}
		// Redacting again changes nothing and counts nothing.
		again, n2 := r.Redact(got)
		if string(again) != string(got) || n2 != 0 {
			t.Errorf("second pass over %q: %q, %d", got, again, n2)
		}
	}
}

func TestLiteralSecretsInEveryEncoding(t *testing.T) {
	r := NewRedactor()
	r.AddSecret(`pa<ss&"wo/rd`)
	r.AddSecret("ab") // too short to hunt everywhere
	for _, in := range []string{
		`raw pa<ss&"wo/rd end`,
		`xml pa&lt;ss&amp;&#34;wo/rd end`,
		`json pa\u003css\u0026\"wo/rd end`,
		`json pa<ss&\"wo/rd end`,
		`query pa%3Css%26%22wo%2Frd end`,
		`path pa%3Css&%22wo%2Frd end`,
	} {
		got := r.RedactString(in)
		if strings.Contains(got, "ss") || !strings.Contains(got, Mask) {
			t.Errorf("%q -> %q", in, got)
		}
	}
	if got := r.RedactString("tab about"); got != "tab about" {
		t.Errorf("a short secret was hunted: %q", got)
	}
}

func TestLearnURLs(t *testing.T) {
	r := NewRedactor()
	r.LearnURLs("http://carol:p%40ss-word@proxy:3128")
	r.LearnURLs("dave:plain-pw@proxy.corp:8080") // no scheme
	got := r.RedactString("said p@ss-word, p%40ss-word and plain-pw")
	if got != "said ***, *** and ***" {
		t.Fatalf("got %q", got)
	}
}

func TestSecretKey(t *testing.T) {
	secret := []string{"password", "proxyPassword", "db_passwd", "registryToken", "clientSecret", "apiKey", "APIKey",
		"privateKey", "signing-key", "key", "Credentials", "authToken", "auth", "sessionCookie", "passphrase", "PWD"}
	plain := []string{"configurationFileVersion", "exposeDockerAPIOnTCP2375", "locked", "value", "keyboardLayout",
		"monkey", "allowedOrgs", "passthrough", "author", "analyticsEnabled", "sbomIndexing"}
	for _, k := range secret {
		if !SecretKey(k) {
			t.Errorf("%q should look secret", k)
		}
	}
	for _, k := range plain {
		if SecretKey(k) {
			t.Errorf("%q should not look secret", k)
		}
	}
	if got := keyWords("exposeDockerAPIOnTCP2375"); !reflect.DeepEqual(got, []string{"expose", "docker", "api", "on", "tcp2375"}) {
		t.Errorf("keyWords = %q", got)
	}
}

func TestRedactJSON(t *testing.T) {
	r := NewRedactor()
	in := `{"configurationFileVersion": 2, "registryToken": "tok-1234", "pin": {"apiKey": 424242, "enabled": true},
		"proxy": {"locked": true, "value": "http://bob:pw-1234@proxy:3128"}, "list": [{"password": "in-list"}], "n": null}`
	out, ok := r.RedactJSON([]byte(in))
	if !ok {
		t.Fatal("valid JSON refused")
	}
	want := `{
  "configurationFileVersion": 2,
  "list": [
    {
      "password": "***"
    }
  ],
  "n": null,
  "pin": {
    "apiKey": "***",
    "enabled": true
  },
  "proxy": {
    "locked": true,
    "value": "http://bob:***@proxy:3128"
  },
  "registryToken": "***"
}
`
	if string(out) != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	// Every masked value is now a literal secret everywhere else.
	if got := r.RedactString("log: tok-1234 424242 pw-1234 in-list"); got != "log: *** *** *** ***" {
		t.Fatalf("literals: %q", got)
	}
	if _, ok := r.RedactJSON([]byte("{not json")); ok {
		t.Fatal("invalid JSON accepted")
	}
}
