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
		jamf   string
		intune string
	}{
		{
			name:   "healthy",
			st:     Healthy,
			comps:  allOK,
			jamf:   "<result>healthy</result>\n",
			intune: "healthy\n",
		},
		{
			name:   "drift names the components that differ, in order",
			st:     Drift,
			comps:  drifted,
			jamf:   "<result>drift: links, hosts</result>\n",
			intune: "drift: links, hosts\n",
		},
		{
			name:   "drift without a named component",
			st:     Drift,
			comps:  allOK[:1],
			jamf:   "<result>drift</result>\n",
			intune: "drift\n",
		},
		{
			name:   "not installed",
			st:     NotInstalled,
			jamf:   "<result>not installed</result>\n",
			intune: "not installed\n",
		},
		{
			name:   "a name that would close the Jamf element early",
			st:     Drift,
			comps:  []Component{{Name: "x</result>\n<result>healthy"}},
			jamf:   "<result>drift: x/result resulthealthy</result>\n",
			intune: "drift: x</result> <result>healthy\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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

func TestFormatText(t *testing.T) {
	tests := []struct {
		name string
		r    Report
		want string
	}{
		{
			name: "healthy",
			r:    Report{State: Healthy, User: "alice", Components: allOK},
			want: "healthy (user alice)\nok     links\nok     hosts\nok     socket\n",
		},
		{
			name: "drift says what differs, in order",
			r:    Report{State: Drift, User: "alice", Components: drifted},
			want: "drift (user alice)\ndrift  links: /usr/local/bin/docker is missing\nok     socket\ndrift  hosts: line 3:\n127.0.0.2 localhost\n",
		},
		{
			name: "user mode, offline, notes",
			r:    Report{State: Healthy, User: "bob", UserMode: true, Offline: true, Notes: []string{"one", "two"}},
			want: "healthy (user bob): user mode (no admin)\noffline: installed, not running (launchd starts the jobs at the image's next boot)\nnote: one\nnote: two\n",
		},
		{
			name: "not installed is one line whatever else is known",
			r:    Report{State: NotInstalled, User: "alice", Components: drifted, Notes: []string{"x"}},
			want: "not installed\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatText(tt.r); got != tt.want {
				t.Errorf("text:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestFormatInventoryError(t *testing.T) {
	const msg = "profile /x is not valid\n  (bad\tplist)"
	if got, want := FormatInventoryError("jamf", msg), "<result>error: profile /x is not valid (bad plist)</result>\n"; got != want {
		t.Errorf("jamf: %q, want %q", got, want)
	}
	if got, want := FormatInventoryError("intune", msg), "error: profile /x is not valid (bad plist)\n"; got != want {
		t.Errorf("intune: %q, want %q", got, want)
	}
}

func TestStateString(t *testing.T) {
	for st, want := range map[State]string{Healthy: "healthy", Drift: "drift", NotInstalled: "not installed", State(9): "State(9)"} {
		if st.String() != want {
			t.Errorf("%d.String() = %q", int(st), st.String())
		}
	}
}
