package mdm

import (
	"reflect"
	"strings"
	"testing"
)

// jamf builds the argument vector Jamf Pro passes: $1..$3 then the eight
// parameters, blank ones included, as Jamf always sends all of them.
func jamf(mount, computer, user string, params ...string) []string {
	p := make([]string, 8)
	copy(p, params)
	return append([]string{mount, computer, user}, p...)
}

func TestJamfArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want JamfCall
	}{
		{
			name: "login trigger: the user in $3, no parameters",
			args: jamf("/", "MacBook-42", "alice"),
			want: JamfCall{Root: "/", Computer: "MacBook-42", User: "alice", Flags: []string{"--user=alice"}},
		},
		{
			name: "Self Service with parameters, gaps left blank",
			args: jamf("/", "MacBook-42", "alice", "--kubernetes", "", "--allowed-org=acme", "", "", "", "", "--cli-location=user"),
			want: JamfCall{Root: "/", Computer: "MacBook-42", User: "alice",
				Flags: []string{"--kubernetes", "--allowed-org=acme", "--cli-location=user", "--user=alice"}},
		},
		{
			name: "recurring check-in: empty $3 and no --user leaves the user to the caller",
			args: jamf("/", "MacBook-42", "", "--kubernetes"),
			want: JamfCall{Root: "/", Computer: "MacBook-42", Flags: []string{"--kubernetes"}},
		},
		{
			name: "recurring check-in asking for the console user",
			args: jamf("/", "MacBook-42", "", "--user=@console"),
			want: JamfCall{Root: "/", Computer: "MacBook-42", Flags: []string{"--user=@console"}},
		},
		{
			name: "a --user parameter wins over $3",
			args: jamf("/", "MacBook-42", "alice", "", "--user=bob"),
			want: JamfCall{Root: "/", Computer: "MacBook-42", User: "alice", Flags: []string{"--user=bob"}},
		},
		{
			name: "-u and --user NAME count as naming the user",
			args: jamf("/", "m", "alice", "-u=bob"),
			want: JamfCall{Root: "/", Computer: "m", User: "alice", Flags: []string{"-u=bob"}},
		},
		{
			name: "--user NAME in one parameter becomes two arguments",
			args: jamf("/", "m", "alice", "--user bob"),
			want: JamfCall{Root: "/", Computer: "m", User: "alice", Flags: []string{"--user", "bob"}},
		},
		{
			name: "only $1..$3, as a script run without parameters",
			args: []string{"/", "m", "alice"},
			want: JamfCall{Root: "/", Computer: "m", User: "alice", Flags: []string{"--user=alice"}},
		},
		{
			name: "empty mount point means /",
			args: jamf("", "m", ""),
			want: JamfCall{Root: "/", Computer: "m"},
		},
		{
			name: "another target volume",
			args: jamf("/Volumes/Macintosh HD", "m", "alice"),
			want: JamfCall{Root: "/Volumes/Macintosh HD", Computer: "m", User: "alice", Flags: []string{"--user=alice"}},
		},
		{
			name: "several flags in one parameter, with spaces around",
			args: jamf("/", "m", "alice", "  --kubernetes   --accept-license\t--allowed-org=acme "),
			want: JamfCall{Root: "/", Computer: "m", User: "alice",
				Flags: []string{"--kubernetes", "--accept-license", "--allowed-org=acme", "--user=alice"}},
		},
		{
			name: "--name=value keeps spaces and quotes: JSON, proxy lists",
			args: jamf("/", "m", "alice",
				`--admin-settings={"configurationFileVersion": 2, "x": {"value": -1, "locked": true}}`,
				`--override-proxy-exclude=localhost, *.corp, 10.0.0.0/8`,
				`--allowed-org=acme --no-kubernetes`),
			want: JamfCall{Root: "/", Computer: "m", User: "alice", Flags: []string{
				`--admin-settings={"configurationFileVersion": 2, "x": {"value": -1, "locked": true}}`,
				`--override-proxy-exclude=localhost, *.corp, 10.0.0.0/8`,
				`--allowed-org=acme`, `--no-kubernetes`,
				"--user=alice",
			}},
		},
		{
			name: "quotes are not interpreted",
			args: jamf("/", "m", "", `--allowed-org='acme'`),
			want: JamfCall{Root: "/", Computer: "m", Flags: []string{`--allowed-org='acme'`}},
		},
		{
			name: "a parameter of exactly 255 characters",
			args: jamf("/", "m", "", "--allowed-org="+strings.Repeat("a", 255-len("--allowed-org="))),
			want: JamfCall{Root: "/", Computer: "m", Flags: []string{"--allowed-org=" + strings.Repeat("a", 255-len("--allowed-org="))}},
		},
		{
			name: "255 characters counted as characters, not bytes",
			args: jamf("/", "m", "", "--allowed-org="+strings.Repeat("é", 255-len("--allowed-org="))),
			want: JamfCall{Root: "/", Computer: "m", Flags: []string{"--allowed-org=" + strings.Repeat("é", 255-len("--allowed-org="))}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := JamfArgs(tt.args)
			if err != nil {
				t.Fatalf("JamfArgs: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("JamfArgs(%q)\n got %#v\nwant %#v", tt.args, got, tt.want)
			}
		})
	}
}

func TestJamfArgsErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no arguments: run by hand", nil, `takes the arguments Jamf Pro passes to a policy script, MOUNT COMPUTER USER [P4 … P11], and got 0; in a Jamf script run: installer jamf "$@"`},
		{"two arguments", []string{"/", "m"}, "and got 2"},
		{"twelve arguments", append(jamf("/", "m", "alice"), "--kubernetes"), "at most 11 arguments"},
		{"relative mount point", jamf("Volumes/x", "m", "alice"), "parameter 1, the target mount point, must be an absolute path"},
		{"a parameter over 255 characters", jamf("/", "m", "", "", "--allowed-org="+strings.Repeat("a", 255)), "jamf parameter 5 is longer than 255 characters"},
		{"a bare value", jamf("/", "m", "", "alice"), `jamf parameter 4 ("alice") is not a flag: write it as --name or --name=value, e.g. --user=alice`},
		{"--root in a parameter", jamf("/", "m", "", "", "", "--root=/Volumes/x"), "jamf parameter 6 sets --root; the target volume is Jamf's parameter 1"},
		{"a bare --", jamf("/", "m", "", "--kubernetes -- --x"), `jamf parameter 4 holds a bare "--"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := JamfArgs(tt.args)
			if err == nil {
				t.Fatalf("JamfArgs(%q) = %#v, want an error", tt.args, got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}
