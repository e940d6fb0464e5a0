package install

import (
	"slices"
	"testing"
)

func TestStepsOf(t *testing.T) {
	install := StepsOf(CommandInstall)
	want := []string{StepHomeOwnership, StepOldHelper, StepLinks, StepPath, StepSocket, StepHosts, StepHelper, StepNewsyslog, StepSettings, StepAppSettings, StepProfile}
	if !slices.Equal(install, want) {
		t.Errorf("install steps %q, want %q", install, want)
	}
	if got := StepsOf(CommandStatus); !slices.Equal(got, install) {
		t.Errorf("status steps %q, want install's %q", got, install)
	}
	// Uninstall undoes in reverse; home ownership is never undone and the
	// old helper leaves nothing to undo.
	un := StepsOf(CommandUninstall)
	rev := slices.Clone(want[2:])
	slices.Reverse(rev)
	if !slices.Equal(un, rev) {
		t.Errorf("uninstall steps %q, want %q", un, rev)
	}
	if got := StepsOf(CommandSetup); !slices.Equal(got, []string{StepLinks, StepPath, StepContext, StepAppSettings, StepState}) {
		t.Errorf("setup steps %q", got)
	}
	if StepsOf("version") != nil {
		t.Error("version reports steps")
	}
}

func TestGroupByStepDropsNothing(t *testing.T) {
	ops := []Op{
		{Step: StepProfile, Action: "write", Path: "/p"},
		{Step: StepLinks, Action: "link", Path: "/a"},
		{Step: "not-in-the-table", Action: "write", Path: "/x"},
		{Step: StepLinks, Action: "link", Path: "/b"},
	}
	groups := GroupByStep(CommandInstall, ops)
	var ids []string
	n := 0
	for _, g := range groups {
		ids = append(ids, g.ID)
		n += len(g.Ops)
	}
	want := append(StepsOf(CommandInstall), "not-in-the-table")
	if !slices.Equal(ids, want) || n != len(ops) {
		t.Fatalf("groups %q with %d ops, want %q with %d", ids, n, want, len(ops))
	}
	if l := groups[slices.Index(ids, StepLinks)]; l.ID != StepLinks || len(l.Ops) != 2 || l.Ops[0].Path != "/a" || l.Ops[1].Path != "/b" {
		t.Errorf("links group %+v", l)
	}
}
