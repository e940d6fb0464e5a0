package symlinks

import (
	"reflect"
	"slices"
	"testing"
)

const (
	bundle = "/Applications/Docker.app"
	cliDir = bundle + "/Contents/Resources/bin"
	binDir = "/usr/local/bin"
)

func TestPlan(t *testing.T) {
	ours := Ours(binDir, bundle)
	docker := Want{"docker", cliDir + "/docker"}
	compose := Want{"docker-compose", cliDir + "/docker-compose"}

	tests := []struct {
		name string
		want []Want
		have []Entry
		ops  []Op
	}{
		{
			name: "empty inputs",
		},
		{
			name: "nothing wanted, foreign entries not mentioned",
			have: []Entry{
				{Name: "brew", Kind: Link, Target: "../Cellar/brew/bin/brew", TargetExists: true},
				{Name: "notes.txt", Kind: Other},
			},
		},
		{
			name: "wanted and missing is created",
			want: []Want{docker},
			ops:  []Op{{Action: Create, Name: "docker", Target: cliDir + "/docker"}},
		},
		{
			name: "an entry of kind Missing counts as missing",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Missing}},
			ops:  []Op{{Action: Create, Name: "docker", Target: cliDir + "/docker"}},
		},
		{
			name: "our link with the wanted text is kept",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Link, Target: cliDir + "/docker", TargetExists: true}},
			ops:  []Op{{Action: Keep, Name: "docker", Target: cliDir + "/docker", Current: cliDir + "/docker", Kind: Link}},
		},
		{
			name: "our link with the wanted text is kept even when dangling",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Link, Target: cliDir + "/docker"}},
			ops:  []Op{{Action: Keep, Name: "docker", Target: cliDir + "/docker", Current: cliDir + "/docker", Kind: Link}},
		},
		{
			name: "our link to another path in the bundle is replaced",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Link, Target: bundle + "/Contents/MacOS/docker", TargetExists: true}},
			ops:  []Op{{Action: Replace, Name: "docker", Target: cliDir + "/docker", Current: bundle + "/Contents/MacOS/docker", Kind: Link}},
		},
		{
			name: "dangling link of ours (old bundle layout) is repaired",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Link, Target: bundle + "/Contents/Resources/bin/docker-old"}},
			ops:  []Op{{Action: Replace, Name: "docker", Target: cliDir + "/docker", Current: bundle + "/Contents/Resources/bin/docker-old", Kind: Link}},
		},
		{
			name: "relative link resolving into the bundle is ours and rewritten absolute",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Link, Target: "../../../Applications/Docker.app/Contents/Resources/bin/docker", TargetExists: true}},
			ops: []Op{{Action: Replace, Name: "docker", Target: cliDir + "/docker",
				Current: "../../../Applications/Docker.app/Contents/Resources/bin/docker", Kind: Link}},
		},
		{
			name: "uncleaned absolute text is ours and rewritten",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Link, Target: cliDir + "/../bin//docker", TargetExists: true}},
			ops:  []Op{{Action: Replace, Name: "docker", Target: cliDir + "/docker", Current: cliDir + "/../bin//docker", Kind: Link}},
		},
		{
			name: "foreign link at a wanted name is left alone and reported",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Link, Target: "/opt/homebrew/bin/docker", TargetExists: true}},
			ops:  []Op{{Action: Foreign, Name: "docker", Target: cliDir + "/docker", Current: "/opt/homebrew/bin/docker", Kind: Link}},
		},
		{
			name: "foreign dangling link stays foreign",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Link, Target: "../Cellar/docker/1.0/bin/docker"}},
			ops:  []Op{{Action: Foreign, Name: "docker", Target: cliDir + "/docker", Current: "../Cellar/docker/1.0/bin/docker", Kind: Link}},
		},
		{
			name: "regular file at a wanted name is foreign",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Other}},
			ops:  []Op{{Action: Foreign, Name: "docker", Target: cliDir + "/docker", Kind: Other}},
		},
		{
			name: "directory at a wanted name is foreign even with a bundle-like Target",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Other, Target: cliDir + "/docker"}},
			ops:  []Op{{Action: Foreign, Name: "docker", Target: cliDir + "/docker", Kind: Other}},
		},
		{
			name: "prefix trick: a sibling bundle is foreign",
			want: []Want{docker},
			have: []Entry{{Name: "docker", Kind: Link, Target: "/Applications/Docker.app.evil/Contents/Resources/bin/docker", TargetExists: true}},
			ops: []Op{{Action: Foreign, Name: "docker", Target: cliDir + "/docker",
				Current: "/Applications/Docker.app.evil/Contents/Resources/bin/docker", Kind: Link}},
		},
		{
			name: "our link no longer wanted is removed, dangling or not",
			want: []Want{docker},
			have: []Entry{
				{Name: "docker", Kind: Link, Target: cliDir + "/docker", TargetExists: true},
				{Name: "hub-tool", Kind: Link, Target: cliDir + "/hub-tool"},
				{Name: "kubectl", Kind: Link, Target: cliDir + "/kubectl", TargetExists: true},
			},
			ops: []Op{
				{Action: Keep, Name: "docker", Target: cliDir + "/docker", Current: cliDir + "/docker", Kind: Link},
				{Action: Remove, Name: "hub-tool", Current: cliDir + "/hub-tool", Kind: Link},
				{Action: Remove, Name: "kubectl", Current: cliDir + "/kubectl", Kind: Link},
			},
		},
		{
			name: "relative link of ours no longer wanted is removed",
			have: []Entry{{Name: "notary", Kind: Link, Target: "../../../Applications/Docker.app/Contents/Resources/bin/notary"}},
			ops:  []Op{{Action: Remove, Name: "notary", Current: "../../../Applications/Docker.app/Contents/Resources/bin/notary", Kind: Link}},
		},
		{
			name: "unwanted file whose Target looks ours is not removed",
			have: []Entry{{Name: "docker", Kind: Other, Target: cliDir + "/docker"}},
		},
		{
			name: "mixed directory, output sorted by name",
			want: []Want{compose, docker, {"kubectl", cliDir + "/kubectl"}},
			have: []Entry{
				{Name: "zz-ours", Kind: Link, Target: cliDir + "/zz-ours"},
				{Name: "kubectl", Kind: Link, Target: "/usr/local/Cellar/kubernetes-cli/bin/kubectl", TargetExists: true},
				{Name: "docker", Kind: Link, Target: cliDir + "/docker", TargetExists: true},
				{Name: "aws", Kind: Link, Target: "/usr/local/aws-cli/aws", TargetExists: true},
			},
			ops: []Op{
				{Action: Keep, Name: "docker", Target: cliDir + "/docker", Current: cliDir + "/docker", Kind: Link},
				{Action: Create, Name: "docker-compose", Target: cliDir + "/docker-compose"},
				{Action: Foreign, Name: "kubectl", Target: cliDir + "/kubectl", Current: "/usr/local/Cellar/kubernetes-cli/bin/kubectl", Kind: Link},
				{Action: Remove, Name: "zz-ours", Current: cliDir + "/zz-ours", Kind: Link},
			},
		},
		{
			name: "names that are not plain file names are ignored on both sides",
			want: []Want{{"../etc/passwd", cliDir + "/x"}, {"", cliDir + "/y"}, {".hidden", cliDir + "/.hidden"}, {"a\x00b", cliDir + "/z"}},
			have: []Entry{
				{Name: ".", Kind: Link, Target: cliDir},
				{Name: "..", Kind: Link, Target: cliDir},
				{Name: ".docker", Kind: Link, Target: cliDir + "/docker"},
				{Name: "", Kind: Link, Target: cliDir + "/docker"},
			},
		},
		{
			name: "duplicates: first occurrence wins",
			want: []Want{docker, {"docker", cliDir + "/other"}},
			have: []Entry{
				{Name: "docker", Kind: Link, Target: cliDir + "/docker"},
				{Name: "docker", Kind: Other},
			},
			ops: []Op{{Action: Keep, Name: "docker", Target: cliDir + "/docker", Current: cliDir + "/docker", Kind: Link}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Plan(tt.want, tt.have, ours)
			if !reflect.DeepEqual(got, tt.ops) {
				t.Errorf("Plan:\n got  %+v\n want %+v", got, tt.ops)
			}
		})
	}
}

// A plan must not depend on the order of its inputs: the caller lists a
// directory in whatever order the filesystem returns.
func TestPlanDeterministic(t *testing.T) {
	ours := Ours(binDir, bundle)
	want := Wanted(cliDir, []string{"a", "b", "c", "d"})
	have := []Entry{
		{Name: "d", Kind: Other},
		{Name: "c", Kind: Link, Target: cliDir + "/old-c"},
		{Name: "e", Kind: Link, Target: cliDir + "/e"},
		{Name: "a", Kind: Link, Target: cliDir + "/a"},
	}
	first := Plan(want, have, ours)
	for i := 0; i < 50; i++ {
		j, k := i%len(want), (i/len(want))%len(have)
		w := slices.Concat(want[j:], want[:j])
		h := slices.Concat(have[k:], have[:k])
		if i%2 == 1 {
			slices.Reverse(h)
		}
		if got := Plan(w, h, ours); !reflect.DeepEqual(got, first) {
			t.Fatalf("rotation %d: got %+v, want %+v", i, got, first)
		}
	}
	var names []string
	for _, op := range first {
		names = append(names, op.Name+":"+op.Action.String())
	}
	if want := []string{"a:keep", "b:create", "c:replace", "d:foreign", "e:remove"}; !reflect.DeepEqual(names, want) {
		t.Errorf("plan = %v, want %v", names, want)
	}
}

func TestOurs(t *testing.T) {
	tests := []struct {
		dir, bundle, target string
		want                bool
	}{
		{binDir, bundle, cliDir + "/docker", true},
		{binDir, bundle, bundle, true},
		{binDir, bundle + "/", cliDir + "/docker", true},
		{binDir, bundle, "/Applications/Docker.app.evil/x", false},
		{binDir, bundle, "/Applications/Docker.appx", false},
		{binDir, bundle, "/Applications/Docker", false},
		{binDir, bundle, "/Applications", false},
		{binDir, bundle, "/Applications/Docker.app/../Evil.app/docker", false},
		{binDir, bundle, "/Applications/Evil.app/../Docker.app/Contents/docker", true},
		{binDir, bundle, "/Applications//Docker.app/./Contents/docker", true},
		{binDir, bundle, "../../../Applications/Docker.app/Contents/Resources/bin/docker", true},
		{binDir, bundle, "../../../../../Applications/Docker.app/x", true}, // .. above / stays at /
		{binDir, bundle, "../../Applications/Docker.app/x", false},         // resolves to /usr/Applications
		{binDir, bundle, "docker", false},
		{binDir, bundle, "../Cellar/docker/bin/docker", false},
		{binDir, bundle, "", false},
		{"/Users/alice/.docker/bin", bundle, "../../../../Applications/Docker.app/Contents/Resources/bin/docker", true},
		{"/Users/alice/.docker/bin", bundle, "../../../Applications/Docker.app/Contents/Resources/bin/docker", false},
		{binDir, "", cliDir + "/docker", false},
		{binDir, "Applications/Docker.app", "Applications/Docker.app/x", false},
		{"usr/local/bin", bundle, "docker", false},
	}
	for _, tt := range tests {
		if got := Ours(tt.dir, tt.bundle)(tt.target); got != tt.want {
			t.Errorf("Ours(%q, %q)(%q) = %v, want %v", tt.dir, tt.bundle, tt.target, got, tt.want)
		}
	}
}

func TestWanted(t *testing.T) {
	tests := []struct {
		name  string
		dir   string
		names []string
		want  []Want
	}{
		{name: "empty", dir: cliDir},
		{
			name:  "one per executable, sorted",
			dir:   cliDir,
			names: []string{"kubectl", "docker", "docker-compose"},
			want: []Want{
				{"docker", cliDir + "/docker"},
				{"docker-compose", cliDir + "/docker-compose"},
				{"kubectl", cliDir + "/kubectl"},
			},
		},
		{
			name:  "skips paths, hidden names, empty names, duplicates",
			dir:   cliDir,
			names: []string{"docker", "../docker", "sub/docker", ".DS_Store", ".", "..", "", "docker", "a\x00b"},
			want:  []Want{{"docker", cliDir + "/docker"}},
		},
		{
			name:  "dir with trailing slash gives clean targets",
			dir:   cliDir + "/",
			names: []string{"docker"},
			want:  []Want{{"docker", cliDir + "/docker"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Wanted(tt.dir, tt.names); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Wanted = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStrings(t *testing.T) {
	for a, s := range map[Action]string{Create: "create", Replace: "replace", Remove: "remove", Keep: "keep", Foreign: "foreign", 9: "Action(9)"} {
		if a.String() != s {
			t.Errorf("Action(%d).String() = %q, want %q", int(a), a.String(), s)
		}
	}
	for k, s := range map[Kind]string{Missing: "missing", Link: "link", Other: "other", 7: "Kind(7)"} {
		if k.String() != s {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), k.String(), s)
		}
	}
}
