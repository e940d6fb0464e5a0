//go:build unix

package mdm

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// hostile are arguments an administrator may bake into an Intune script
// that a shell would otherwise split, expand or execute.
var hostile = []string{
	"--user=alice",
	`--admin-settings={"configurationFileVersion": 2, "x": {"value": "it's", "locked": true}}`,
	"",
	" ",
	"it's",
	`'`,
	`''`,
	`"`,
	`\`,
	`\'`,
	"$(touch /tmp/mdm-pwned)",
	"`touch /tmp/mdm-pwned`",
	"${HOME}",
	"$HOME",
	"*",
	"~",
	"~root",
	"a\nb",
	"tab\there",
	"!event",
	"a;b|c&d>e<f",
	"{a,b}",
	"--override-proxy-exclude=localhost, *.corp",
	"-",
	"--",
	"x=y",
	"é Δ 😀",
	"\x01\x7f\xff",
	"#not a comment",
}

const fakeInstaller = `#!/bin/sh
# records its arguments, NUL-separated, and whatever it could read on stdin
printf '%s\0' "$@" > "$FAKE_ARGV"
cat > "$FAKE_STDIN"
echo "fake installer says hello"
echo "fake installer complains" >&2
exit "${FAKE_EXIT:-0}"
`

type scriptRun struct {
	code           int
	stdout, stderr string
	argv           []string // nil when the installer did not run
	stdin          string   // what the installer read
}

type scriptEnv struct {
	dir, installer, logDir string
}

func newScriptEnv(t *testing.T) scriptEnv {
	t.Helper()
	dir := t.TempDir()
	e := scriptEnv{dir: dir, installer: filepath.Join(dir, "bin", "docker installer"), logDir: filepath.Join(dir, "Library", "Logs", "docker installer")}
	if err := os.MkdirAll(filepath.Dir(e.installer), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.installer, []byte(fakeInstaller), 0o755); err != nil {
		t.Fatal(err)
	}
	return e
}

// rootPrefix runs a command as root: directly when the test is root,
// else as root in a user namespace.
func rootPrefix(t *testing.T) []string {
	if os.Geteuid() == 0 {
		return nil
	}
	if err := exec.Command("unshare", "-r", "true").Run(); err == nil {
		return []string{"unshare", "-r"}
	}
	t.Skip("needs root or unprivileged user namespaces (unshare -r)")
	return nil
}

func needBash(t *testing.T) string {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	return bash
}

func (e scriptEnv) run(t *testing.T, script string, exit string, args ...string) scriptRun {
	t.Helper()
	bash := needBash(t)
	path := filepath.Join(e.dir, "script.sh")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	argvFile, stdinFile := filepath.Join(e.dir, "argv"), filepath.Join(e.dir, "stdin")
	os.Remove(argvFile)
	argv := append(append(rootPrefix(t), bash, path), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "FAKE_ARGV="+argvFile, "FAKE_STDIN="+stdinFile, "FAKE_EXIT="+exit)
	cmd.Stdin = strings.NewReader("yes\nyes\n") // a script that read stdin would pass this on
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var r scriptRun
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	r.stdout, r.stderr = stdout.String(), stderr.String()
	if b, err := os.ReadFile(argvFile); err == nil {
		r.argv = strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		in, _ := os.ReadFile(stdinFile)
		r.stdin = string(in)
	}
	return r
}

func (e scriptEnv) log(t *testing.T, vendor string) string {
	b, err := os.ReadFile(filepath.Join(e.logDir, "mdm-"+vendor+".log"))
	if err != nil {
		t.Fatalf("log: %v", err)
	}
	return string(b)
}

func TestScriptJamf(t *testing.T) {
	e := newScriptEnv(t)
	script, err := Script("jamf", e.installer, nil, ScriptOptions{Product: "docker", LogDir: e.logDir})
	if err != nil {
		t.Fatal(err)
	}
	// The vectors Jamf passes: $1..$3 and eight parameters, blanks included.
	vectors := map[string][]string{
		"login":              jamf("/", "MacBook-42", "alice"),
		"self service":       jamf("/", "MacBook-42", "alice", "--kubernetes", "", "--allowed-org=acme"),
		"recurring check-in": jamf("/", "MacBook-42", "", "--user=@console"),
	}
	for name, args := range vectors {
		for _, exit := range []string{"0", "1", "6"} {
			t.Run(name+" exit "+exit, func(t *testing.T) {
				r := e.run(t, script, exit, args...)
				if want := append([]string{"jamf"}, args...); !slices.Equal(r.argv, want) {
					t.Errorf("installer argv = %q\nwant %q", r.argv, want)
				}
				if strconv.Itoa(r.code) != exit {
					t.Errorf("exit code %d, want %s (stderr %q)", r.code, exit, r.stderr)
				}
				if r.stdin != "" {
					t.Errorf("the installer read %q from stdin", r.stdin)
				}
				// Both of its streams reach the policy log (stdout) and the file.
				for _, line := range []string{"fake installer says hello", "fake installer complains"} {
					if !strings.Contains(r.stdout, line) {
						t.Errorf("stdout %q lacks %q", r.stdout, line)
					}
				}
				log := e.log(t, "jamf")
				for _, line := range []string{"fake installer says hello\n", "fake installer complains\n", "mdm-jamf: start\n", "mdm-jamf: exit " + exit + "\n"} {
					if !strings.Contains(log, line) {
						t.Errorf("log lacks %q:\n%s", line, log)
					}
				}
			})
		}
	}
	if n := strings.Count(e.log(t, "jamf"), "mdm-jamf: start"); n != 9 {
		t.Errorf("the log holds %d runs, want all 9 appended", n)
	}
}

func TestScriptIntune(t *testing.T) {
	e := newScriptEnv(t)
	script, err := Script("intune", e.installer, hostile, ScriptOptions{LogDir: e.logDir})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove("/tmp/mdm-pwned")
	// Intune passes no arguments; a stray one changes nothing.
	for _, exit := range []string{"0", "5"} {
		r := e.run(t, script, exit, "stray")
		if want := append([]string{"install"}, hostile...); !slices.Equal(r.argv, want) {
			t.Errorf("installer argv =\n%q\nwant\n%q", r.argv, want)
		}
		if strconv.Itoa(r.code) != exit {
			t.Errorf("exit code %d, want %s", r.code, exit)
		}
		if r.stdin != "" {
			t.Errorf("the installer read %q from stdin", r.stdin)
		}
	}
	if _, err := os.Stat("/tmp/mdm-pwned"); err == nil {
		t.Error("a baked argument ran a command")
	}
	if log := e.log(t, "intune"); !strings.Contains(log, "mdm-intune: exit 5\n") || !strings.Contains(log, "fake installer complains") {
		t.Errorf("log:\n%s", log)
	}

	// With no baked arguments: `installer install`, relying on managed preferences.
	script, _ = Script("intune", e.installer, nil, ScriptOptions{LogDir: e.logDir})
	if r := e.run(t, script, "0"); !slices.Equal(r.argv, []string{"install"}) {
		t.Errorf("argv %q", r.argv)
	}
}

func TestScriptRefusesNonRoot(t *testing.T) {
	bash := needBash(t)
	e := newScriptEnv(t)
	for _, vendor := range []string{"jamf", "intune"} {
		script, err := Script(vendor, e.installer, nil, ScriptOptions{LogDir: e.logDir})
		if err != nil {
			t.Fatal(err)
		}
		// bash -c: a dropped-privilege user cannot read the test's temp dir.
		cmd := exec.Command(bash, "-c", script, "script", "/", "m", "alice")
		if os.Geteuid() == 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 3 {
			t.Fatalf("%s as non-root: %v, want exit 3\n%s", vendor, err, out)
		}
		if !strings.Contains(string(out), "this script must run as root") {
			t.Errorf("%s says %q", vendor, out)
		}
		if _, err := os.Stat(filepath.Join(e.dir, "argv")); err == nil {
			t.Errorf("%s ran the installer", vendor)
		}
	}
}

func TestScriptMissingInstaller(t *testing.T) {
	e := newScriptEnv(t)
	script, err := Script("jamf", filepath.Join(e.dir, "nowhere", "installer"), nil, ScriptOptions{LogDir: e.logDir})
	if err != nil {
		t.Fatal(err)
	}
	r := e.run(t, script, "0", jamf("/", "m", "alice")...)
	if r.code != 127 || !strings.Contains(r.stderr, "the installer is not at "+filepath.Join(e.dir, "nowhere", "installer")) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestScriptDefaultLogDir(t *testing.T) {
	for product, want := range map[string]string{"docker": "log_dir=/Library/Logs/docker-installer\n", "iechor": "log_dir=/Library/Logs/iechor-installer\n"} {
		s, err := Script("jamf", "/usr/local/bin/installer", nil, ScriptOptions{Product: product})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s, want) || !strings.Contains(s, `log="$log_dir/mdm-jamf.log"`) {
			t.Errorf("%s script lacks %q:\n%s", product, want, s)
		}
		for _, line := range []string{"#!/bin/bash\n", "\nset -euo pipefail\n", "\nexec </dev/null\n", "\nexit \"$rc\"\n"} {
			if !strings.Contains(s, line) {
				t.Errorf("script lacks %q", line)
			}
		}
		if !strings.HasPrefix(s, "#!/bin/bash\n") {
			t.Error("no shebang on line 1")
		}
	}
}

func TestScriptErrors(t *testing.T) {
	opt := ScriptOptions{Product: "docker"}
	tests := []struct {
		name      string
		vendor    string
		installer string
		args      []string
		opt       ScriptOptions
		want      string
	}{
		{"unknown vendor", "airwatch", "/usr/local/bin/x", nil, opt, `unknown vendor "airwatch"; want one of jamf, intune, kandji, fleet, munki`},
		{"empty vendor", "", "/usr/local/bin/x", nil, opt, `unknown vendor ""`},
		{"relative installer", "jamf", "installer", nil, opt, "the installer path must be absolute"},
		{"kandji part", "kandji", "/x", nil, ScriptOptions{Product: "docker", Part: "check"}, `a kandji script is one of audit, remediation, not "check"`},
		{"part for jamf", "jamf", "/x", nil, ScriptOptions{Product: "docker", Part: "audit"}, "has no parts"},
		{"NUL in an arg", "intune", "/x", []string{"a\x00b"}, opt, "NUL"},
		{"no product, no log dir", "intune", "/x", nil, ScriptOptions{}, `bad product name ""`},
		{"product with a slash", "intune", "/x", nil, ScriptOptions{Product: "../x"}, `bad product name "../x"`},
		{"relative log dir", "intune", "/x", nil, ScriptOptions{LogDir: "logs"}, "the log directory must be absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Script(tt.vendor, tt.installer, tt.args, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Script = %v (%d bytes), want error %q", err, len(s), tt.want)
			}
		})
	}
}

func TestScriptShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck not installed (Debian: apt-get install shellcheck)")
	}
	type tc struct {
		vendor, part string
		args         []string
	}
	var cases []tc
	for _, v := range Vendors {
		parts := vendorParts[v]
		if parts == nil {
			parts = []string{""}
		}
		for _, p := range parts {
			cases = append(cases, tc{v, p, nil}, tc{v, p, hostile})
		}
	}
	for _, c := range cases {
		s, err := Script(c.vendor, "/usr/local/bin/docker installer", c.args, ScriptOptions{Product: "docker", Part: c.part, ProfilePath: "/Library/Application Support/com.docker.docker/installer.plist"})
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(sc, "--shell=bash", "--severity=style", "-")
		cmd.Stdin = strings.NewReader(s)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("shellcheck on the %s script (%d args): %v\n%s", c.vendor, len(c.args), err, out)
		}
	}
}

func TestShellQuote(t *testing.T) {
	// Plain words stay readable.
	for in, want := range map[string]string{
		"--kubernetes":           "--kubernetes",
		"--user=alice":           "--user=alice",
		"/usr/local/bin/x":       "/usr/local/bin/x",
		"--allowed-org=acme,ci":  "--allowed-org=acme,ci",
		"":                       "''",
		"it's":                   `'it'\''s'`,
		"a b":                    "'a b'",
		"$HOME":                  "'$HOME'",
		"~":                      "'~'",
		"--user=@console":        "--user=@console",
		"--path-edit=paths.d":    "--path-edit=paths.d",
		"http://proxy.corp:3128": "http://proxy.corp:3128",
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}

	// Every word reads back as itself in bash, whatever bytes it holds.
	bash := needBash(t)
	words := slices.Clone(hostile)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = byte(1 + rng.IntN(255))
		}
		words = append(words, string(b))
	}
	var script strings.Builder
	script.WriteString("printf '%s\\0'")
	for _, w := range words {
		script.WriteString(" " + ShellQuote(w))
	}
	out, err := exec.Command(bash, "-c", script.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(got) != len(words) {
		t.Fatalf("bash read %d words, want %d", len(got), len(words))
	}
	for i := range words {
		if got[i] != words[i] {
			t.Errorf("ShellQuote(%q) = %s reads back as %q", words[i], ShellQuote(words[i]), got[i])
		}
	}
}
