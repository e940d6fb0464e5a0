package mdm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var (
	allOK = []Component{
		{Name: "links", OK: true, Detail: "4 links in /usr/local/bin"},
		{Name: "hosts", OK: true, Detail: "localhost, kubernetes.docker.internal"},
		{Name: "socket", OK: true},
	}
	drifted = []Component{
		{Name: "links", OK: false, Detail: "/usr/local/bin/docker is missing"},
		{Name: "socket", OK: true, Detail: "/var/run/docker.sock"},
		{Name: "hosts", OK: false, Detail: "line 3:\n127.0.0.2 localhost"},
	}
)

func TestFormats(t *testing.T) {
	tests := []struct {
		name   string
		st     State
		comps  []Component
		text   string
		jamf   string
		intune string
	}{
		{
			name:   "healthy",
			st:     Healthy,
			comps:  allOK,
			text:   "links   ok     4 links in /usr/local/bin\nhosts   ok     localhost, kubernetes.docker.internal\nsocket  ok\n",
			jamf:   "<result>healthy</result>\n",
			intune: "healthy\n",
		},
		{
			name:   "drift names the components that differ, in order",
			st:     Drift,
			comps:  drifted,
			text:   "links   DRIFT  /usr/local/bin/docker is missing\nsocket  ok     /var/run/docker.sock\nhosts   DRIFT  line 3: 127.0.0.2 localhost\n",
			jamf:   "<result>drift: links, hosts</result>\n",
			intune: "drift: links, hosts\n",
		},
		{
			name:   "drift without a named component",
			st:     Drift,
			comps:  allOK[:1],
			text:   "links  ok     4 links in /usr/local/bin\n",
			jamf:   "<result>drift</result>\n",
			intune: "drift\n",
		},
		{
			name:   "not installed",
			st:     NotInstalled,
			text:   "not installed\n",
			jamf:   "<result>not installed</result>\n",
			intune: "not installed\n",
		},
		{
			name:   "a name that would close the Jamf element early",
			st:     Drift,
			comps:  []Component{{Name: "x</result>\n<result>healthy"}},
			text:   "x</result> <result>healthy  DRIFT\n",
			jamf:   "<result>drift: x/result resulthealthy</result>\n",
			intune: "drift: x</result> <result>healthy\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatText(tt.st, tt.comps); got != tt.text {
				t.Errorf("text:\n got %q\nwant %q", got, tt.text)
			}
			if got := FormatJamf(tt.st, tt.comps); got != tt.jamf {
				t.Errorf("jamf:\n got %q\nwant %q", got, tt.jamf)
			}
			if got := FormatIntune(tt.st, tt.comps); got != tt.intune {
				t.Errorf("intune:\n got %q\nwant %q", got, tt.intune)
			}
		})
	}
}

func TestInventoryLinesStayOneLineAndSmall(t *testing.T) {
	var many []Component
	for range 5000 {
		many = append(many, Component{Name: "component-é-" + strings.Repeat("x", 10)})
	}
	for name, out := range map[string]string{"jamf": FormatJamf(Drift, many), "intune": FormatIntune(Drift, many)} {
		if len(out) > MaxInventoryLine {
			t.Errorf("%s line is %d bytes, over %d", name, len(out), MaxInventoryLine)
		}
		if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
			t.Errorf("%s output is not exactly one line", name)
		}
		if !utf8.ValidString(out) || !strings.Contains(out, "…") {
			t.Errorf("%s line is cut badly: ...%q", name, out[len(out)-40:])
		}
	}
	if out := FormatJamf(Drift, many); !strings.HasPrefix(out, "<result>drift: ") || !strings.HasSuffix(out, "…</result>\n") {
		t.Errorf("jamf line lost its tags: %q…%q", out[:20], out[len(out)-20:])
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		format string
		st     State
		want   int
	}{
		{"text", Healthy, 0}, {"text", Drift, 10}, {"text", NotInstalled, 11},
		{"json", Healthy, 0}, {"json", Drift, 10}, {"json", NotInstalled, 11},
		{"", Drift, 10},
		{"jamf", Healthy, 0}, {"jamf", Drift, 0}, {"jamf", NotInstalled, 0},
		{"intune", Healthy, 0}, {"intune", Drift, 0}, {"intune", NotInstalled, 0},
		{"text", State(42), 1},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.format, tt.st); got != tt.want {
			t.Errorf("ExitCode(%q, %v) = %d, want %d", tt.format, tt.st, got, tt.want)
		}
	}
}

func TestStateString(t *testing.T) {
	for st, want := range map[State]string{Healthy: "healthy", Drift: "drift", NotInstalled: "not installed", State(9): "State(9)"} {
		if st.String() != want {
			t.Errorf("%d.String() = %q", int(st), st.String())
		}
	}
}
