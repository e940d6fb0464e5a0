package app

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/macfleet/installer/mdm"
)

// everyFlag gives each install flag of the settings table a value, as
// `mdm script` receives them.
func everyFlag() []string {
	var args []string
	for _, s := range mdm.Settings() {
		switch s.Type {
		case mdm.TypeBoolean:
			args = append(args, "--"+s.Flag)
		case mdm.TypeStringArray:
			args = append(args, "--"+s.Flag+"=acme", "--"+s.Flag+"=acme-labs")
		default:
			// Values an install accepts (mdm script holds them to its rules).
			v := "v-" + s.Flag
			switch {
			case len(s.Values) > 0:
				v = s.Values[len(s.Values)-1]
			case s.Flag == "policy-key":
				v = "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="[16:]
			case s.Flag == "admin-settings":
				v = `{"configurationFileVersion":2}`
			case strings.HasPrefix(s.Flag, "override-proxy-") && s.Flag != "override-proxy-exclude" && s.Flag != "override-proxy-embedded-pac":
				v = "http://v-" + s.Flag + ":3128"
			}
			args = append(args, "--"+s.Flag+"="+v)
		}
	}
	return args
}

// Every vendor's script passes every install flag of the table through,
// unchanged, and passes shellcheck.
func TestMDMScriptPassesEveryFlag(t *testing.T) {
	sc, _ := exec.LookPath("shellcheck")
	for _, v := range []string{"jamf", "INTUNE", "Kandji", "fleet", "munki"} {
		parts := []string{""}
		switch strings.ToLower(v) {
		case "kandji":
			parts = []string{"audit", "remediation"}
		case "munki":
			parts = []string{"installcheck", "postinstall"}
		}
		for _, part := range parts {
			var out, errb bytes.Buffer
			deps := testDeps()
			deps.Stdout, deps.Stderr = &out, &errb
			argv := append([]string{"installer", "mdm", "script", "--vendor=" + v}, everyFlag()...)
			if part != "" {
				argv = append(argv, "--part="+part)
			}
			if code := Main(context.Background(), argv, deps); code != 0 {
				t.Fatalf("%s %s: exit %d: %s", v, part, code, errb.String())
			}
			script := out.String()
			for _, a := range everyFlag() {
				if !strings.Contains(script, " "+mdm.ShellQuote(a)) {
					t.Errorf("%s %s script lacks %s", v, part, a)
				}
			}
			if sc != "" {
				cmd := exec.Command(sc, "--shell=bash", "--severity=style", "-")
				cmd.Stdin = strings.NewReader(script)
				if o, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("shellcheck %s %s: %v\n%s", v, part, err, o)
				}
			}
		}
	}
	var errb bytes.Buffer
	deps := testDeps()
	deps.Stdout, deps.Stderr = &bytes.Buffer{}, &errb
	if code := Main(context.Background(), []string{"installer", "mdm", "script", "--kubernetes"}, deps); code != 2 || !strings.Contains(errb.String(), "--vendor is required: one of jamf, intune, kandji, fleet, munki") {
		t.Errorf("no --vendor: exit %d, %s", code, errb.String())
	}
}
