package appsettings

import (
	"errors"
	"os"
	"strings"
	"testing"
)

var docker = Want{CLILocation: "system", DockerSocket: true, PrivilegedPorts: false, SetVmnetd: true}

func TestWanted(t *testing.T) {
	for _, c := range []struct {
		w    Want
		want string
	}{
		{docker, `DockerBinInstallPath="system" EnableDefaultDockerSocket=true RequireVmnetd=false ShowInstallScreen=false`},
		{Want{CLILocation: "user", PrivilegedPorts: true, SetVmnetd: true}, `DockerBinInstallPath="user" EnableDefaultDockerSocket=false RequireVmnetd=true ShowInstallScreen=false`},
		{Want{CLILocation: "system", DockerSocket: true, PrivilegedPorts: true}, `DockerBinInstallPath="system" EnableDefaultDockerSocket=true ShowInstallScreen=false`},
	} {
		var parts []string
		for _, v := range Wanted(c.w) {
			parts = append(parts, v.Key+"="+v.Raw)
		}
		if got := strings.Join(parts, " "); got != c.want {
			t.Errorf("Wanted(%+v) = %s, want %s", c.w, got, c.want)
		}
	}
	var parts []string
	for _, v := range UserMode() {
		parts = append(parts, v.Key+"="+v.Raw)
	}
	if got := strings.Join(parts, " "); got != `DockerBinInstallPath="user" EnableDefaultDockerSocket=false RequireVmnetd=false ShowInstallScreen=false` {
		t.Errorf("UserMode = %s", got)
	}
}

func TestFileKeyAndFiles(t *testing.T) {
	if FileKey("DockerBinInstallPath", true) != "dockerBinInstallPath" || FileKey("RequireVmnetd", false) != "RequireVmnetd" {
		t.Error("FileKey")
	}
	for _, c := range []struct {
		store, legacy, reads bool
		s, l                 bool
	}{
		{false, false, true, true, false},
		{false, false, false, false, true},
		{true, false, false, true, false},
		{false, true, true, false, true},
		{true, true, true, true, true},
	} {
		if s, l := Files(c.store, c.legacy, c.reads); s != c.s || l != c.l {
			t.Errorf("Files(%v,%v,%v) = %v,%v", c.store, c.legacy, c.reads, s, l)
		}
	}
	if l, ok := ReadFile(true, true, true); !ok || l {
		t.Error("4.35+ with both reads the store")
	}
	if l, ok := ReadFile(false, true, true); !ok || !l {
		t.Error("4.35+ with only settings.json converts it")
	}
	if l, ok := ReadFile(true, true, false); !ok || !l {
		t.Error("4.34 reads settings.json")
	}
	if _, ok := ReadFile(true, false, false); ok {
		t.Error("4.34 with only a store has none")
	}
}

func TestEditByteExact(t *testing.T) {
	for _, c := range []struct {
		name, in string
		legacy   bool
		want     string
	}{
		{"new store", "", false, "{\n  \"DockerBinInstallPath\": \"system\",\n  \"EnableDefaultDockerSocket\": true,\n  \"RequireVmnetd\": false,\n  \"ShowInstallScreen\": false\n}\n"},
		{"new legacy", "  \n", true, "{\n  \"dockerBinInstallPath\": \"system\",\n  \"enableDefaultDockerSocket\": true,\n  \"requireVmnetd\": false,\n  \"showInstallScreen\": false\n}\n"},
		{"compact, replaced in place and appended", `{"a":1,"RequireVmnetd":true,"b":[1,{"c":"}"}]}`, false,
			`{"a":1,"RequireVmnetd":false,"b":[1,{"c":"}"}],"DockerBinInstallPath":"system","EnableDefaultDockerSocket":true,"ShowInstallScreen":false}`},
		{"legacy case only", "{\n\t\"ShowInstallScreen\": true,\n\t\"showInstallScreen\": true\n}", true,
			"{\n\t\"ShowInstallScreen\": true,\n\t\"showInstallScreen\": false,\n\t\"dockerBinInstallPath\": \"system\",\n\t\"enableDefaultDockerSocket\": true,\n\t\"requireVmnetd\": false\n}"},
		{"already right, other spelling", "{\"DockerBinInstallPath\":\"\\u0073ystem\",\"EnableDefaultDockerSocket\":true,\"RequireVmnetd\":false,\"ShowInstallScreen\":false}\r\n", false,
			"{\"DockerBinInstallPath\":\"\\u0073ystem\",\"EnableDefaultDockerSocket\":true,\"RequireVmnetd\":false,\"ShowInstallScreen\":false}\r\n"},
		{"empty object", "{}", false, "{\n\t\"DockerBinInstallPath\": \"system\",\n\t\"EnableDefaultDockerSocket\": true,\n\t\"RequireVmnetd\": false,\n\t\"ShowInstallScreen\": false\n}"},
	} {
		got, err := Edit([]byte(c.in), c.legacy, Wanted(docker))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

// A store as Docker Desktop writes it, with 50 members, a proxy URL with
// a password, arrays: only the wanted members change.
func TestEditRealisticStore(t *testing.T) {
	in, err := os.ReadFile("testdata/settings-store.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Edit(in, false, Wanted(docker))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(in), `"DockerBinInstallPath": "user"`, `"DockerBinInstallPath": "system"`, 1)
	want = strings.Replace(want, "\"WslEngineEnabled\": false\n}", "\"WslEngineEnabled\": false,\n  \"RequireVmnetd\": false,\n  \"ShowInstallScreen\": false\n}", 1)
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	again, err := Edit(got, false, Wanted(docker))
	if err != nil || &again[0] != &got[0] {
		t.Errorf("a second edit is not the same bytes (err %v)", err)
	}
	recs := Observe(in, false, Wanted(docker))
	back, empty, err := Restore(got, recs)
	if err != nil || empty || string(back) != string(in) {
		t.Errorf("Restore: empty %v err %v, differs from the original: %v", empty, err, string(back) != string(in))
	}
}

func TestEditRefusesNonObject(t *testing.T) {
	for _, in := range []string{`[]`, `"x"`, `{"a":`, "not json", `null`} {
		_, err := Edit([]byte(in), false, Wanted(docker))
		var no *NotObjectError
		if !errors.As(err, &no) {
			t.Errorf("%q: err %v, want a NotObjectError", in, err)
		}
	}
}

func TestRestore(t *testing.T) {
	orig := `{"DockerBinInstallPath":"user","x":1}`
	recs := Observe([]byte(orig), false, Wanted(docker))
	edited, _ := Edit([]byte(orig), false, Wanted(docker))
	// The user changed EnableDefaultDockerSocket since: it stays.
	o, _ := Parse(edited)
	changed := Set(edited, o, EnableDefaultDockerSocket, []byte("false"))
	got, empty, err := Restore(changed, recs)
	if err != nil || empty {
		t.Fatal(err, empty)
	}
	if want := `{"DockerBinInstallPath":"user","x":1,"EnableDefaultDockerSocket":false}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// A file install created is empty once its keys are gone.
	created, _ := Edit(nil, false, Wanted(docker))
	_, empty, err = Restore(created, Observe(nil, false, Wanted(docker)))
	if err != nil || !empty {
		t.Errorf("created file: empty %v err %v", empty, err)
	}
	if _, _, err := Restore([]byte("[1]"), recs); err == nil {
		t.Error("a non-object restored")
	}
}

func TestDrift(t *testing.T) {
	got := Drift([]byte(`{"dockerBinInstallPath":"user","requireVmnetd":false,"showInstallScreen":false}`), true, Wanted(docker))
	want := []string{`dockerBinInstallPath is "user", want "system"`, `enableDefaultDockerSocket is missing, want true`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Drift = %q", got)
	}
}
