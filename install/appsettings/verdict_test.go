package appsettings

import (
	"strings"
	"testing"
)

func TestJudge(t *testing.T) {
	good := `{"DockerBinInstallPath":"system","EnableDefaultDockerSocket":true,"RequireVmnetd":false,"ShowInstallScreen":false}`
	for _, c := range []struct {
		name string
		f    Facts
		want string
	}{
		{"old app, agreeing store", Facts{OwnHelperEra: true, Store: []byte(good)}, "first launch: no admin prompt"},
		{"old app, no store: its defaults", Facts{OwnHelperEra: true, SocketLink: "/var/run/docker.sock", SocketMissing: true, SystemLinksMissing: "docker", HelperMissing: true},
			"first launch: asks for an admin password: the first-run window asks for privileged access; to link the CLI tools into /usr/local/bin (docker has no link); to create /var/run/docker.sock at each boot; to install its privileged helper"},
		{"new app, no store: user defaults", Facts{SocketMissing: true, SystemLinksMissing: "docker", HelperMissing: true}, "first launch: no admin prompt"},
		{"new app asked for the socket", Facts{Store: []byte(`{"EnableDefaultDockerSocket":true}`), SocketLink: "/var/run/iechor.sock", SocketMissing: true},
			"first launch: asks for an admin password: to create /var/run/iechor.sock at each boot"},
		{"legacy key case", Facts{OwnHelperEra: true, Legacy: true, Store: []byte(`{"dockerBinInstallPath":"system","enableDefaultDockerSocket":false,"requireVmnetd":false,"showInstallScreen":false}`), SystemLinksMissing: "kubectl", SocketMissing: true},
			"first launch: asks for an admin password: to link the CLI tools into /usr/local/bin (kubectl has no link)"},
		{"helper of another version", Facts{OwnHelperEra: true, Store: []byte(`{"RequireVmnetd":true,"ShowInstallScreen":false,"EnableDefaultDockerSocket":false,"DockerBinInstallPath":"user"}`), VmnetdVersion: "7", HelperVersion: "6"},
			"first launch: asks for an admin password: to update its privileged helper (Version 6, the app wants 7)"},
		{"helper without a version", Facts{OwnHelperEra: true, Store: []byte(`{"RequireVmnetd":true,"ShowInstallScreen":false,"EnableDefaultDockerSocket":false,"DockerBinInstallPath":"user"}`), VmnetdVersion: "7"},
			"first launch: asks for an admin password: to update its privileged helper (Version none, the app wants 7)"},
		{"helper current", Facts{OwnHelperEra: true, Store: []byte(`{"RequireVmnetd":true,"ShowInstallScreen":false,"EnableDefaultDockerSocket":false,"DockerBinInstallPath":"user"}`), VmnetdVersion: "7", HelperVersion: "7"},
			"first launch: no admin prompt"},
		{"new app ignores RequireVmnetd and ShowInstallScreen", Facts{Store: []byte(`{"RequireVmnetd":true,"ShowInstallScreen":true}`), HelperMissing: true}, "first launch: no admin prompt"},
		{"root-owned entries", Facts{Store: []byte(good), RootOwned: []string{"/Users/alice/.docker/config.json"}},
			"first launch: asks for an admin password: the app refuses to start: /Users/alice/.docker/config.json is owned by root"},
		{"a location that is not a string: the old app's default (system)", Facts{OwnHelperEra: true, Store: []byte(`{"DockerBinInstallPath":1,"ShowInstallScreen":false,"EnableDefaultDockerSocket":false,"RequireVmnetd":false}`), SystemLinksMissing: "docker"},
			"first launch: asks for an admin password: to link the CLI tools into /usr/local/bin (docker has no link)"},
		{"unreadable store: defaults", Facts{OwnHelperEra: true, Store: []byte(`[`)}, "first launch: asks for an admin password: the first-run window asks for privileged access"},
	} {
		v := Judge(c.f)
		if got := v.String(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		if v.Prompt != strings.Contains(c.want, "asks") || v.Reasons == nil {
			t.Errorf("%s: prompt %v, reasons %v", c.name, v.Prompt, v.Reasons)
		}
	}
}
