package install

import "slices"

// The steps of an install, in the order docs/contract.md §4 gives them.
// Every Op carries one of these in its Step.
const (
	StepPreflight     = "preflight"      // 1: checks only, changes nothing
	StepHomeOwnership = "home-ownership" // 2: root-owned entries in the user's app dirs given back
	StepOldHelper     = "old-helper"     // 3: a previous helper removed
	StepLinks         = "links"          // 4: the CLI links
	StepPath          = "path"           // 5: PATH (user location)
	StepSocket        = "socket"         // 6: the socket link and its boot task
	StepHosts         = "hosts"          // 7: /etc/hosts
	StepHelper        = "helper"         // 8: vmnetd, its LaunchDaemon
	StepNewsyslog     = "newsyslog"      // 8: log rotation rules
	StepSettings      = "settings"       // 9: the vendor's own install settings
	StepAppSettings   = "app-settings"   // 10: the app's per-user settings
	StepProfile       = "profile"        // 11: the single-user profile

	// Steps of `installer setup` (docs/contract.md §5) besides links and path.
	StepContext = "context" // the CLI context
	StepState   = "state"   // the user-mode state file
)

// Step is one line of the step table: a step and what reports it.
type Step struct {
	ID string
	// Reported: install, plan and status show it (with --json, a step
	// entry even when it changes nothing). Preflight changes nothing and
	// is not reported.
	Reported bool
	// Undone: uninstall undoes what it made (it leaves receipt items), and
	// so reports it, in reverse order.
	Undone bool
}

// installSteps is the step table of install (and plan, status and
// uninstall, which are derived from it), in install order.
var installSteps = []Step{
	{ID: StepPreflight},
	{ID: StepHomeOwnership, Reported: true},
	{ID: StepOldHelper, Reported: true},
	{ID: StepLinks, Reported: true, Undone: true},
	{ID: StepPath, Reported: true, Undone: true},
	{ID: StepSocket, Reported: true, Undone: true},
	{ID: StepHosts, Reported: true, Undone: true},
	{ID: StepHelper, Reported: true, Undone: true},
	{ID: StepNewsyslog, Reported: true, Undone: true},
	{ID: StepSettings, Reported: true, Undone: true},
	{ID: StepAppSettings, Reported: true, Undone: true},
	{ID: StepProfile, Reported: true, Undone: true},
}

// setupSteps are the steps of `installer setup` and of the status of a
// user-mode install, in order.
var setupSteps = []string{StepLinks, StepPath, StepContext, StepAppSettings, StepState}

// Commands whose steps StepsOf knows.
const (
	CommandInstall   = "install" // also plan and install --dry-run
	CommandUninstall = "uninstall"
	CommandStatus    = "status"
	CommandSetup     = "setup"
)

// StepsOf is the steps a command reports, in the order it reports them:
// install and status in install order, uninstall in reverse, setup its
// own. nil for a command that reports no steps.
func StepsOf(command string) []string {
	var out []string
	switch command {
	case CommandInstall, CommandStatus:
		for _, s := range installSteps {
			if s.Reported {
				out = append(out, s.ID)
			}
		}
	case CommandUninstall:
		for _, s := range slices.Backward(installSteps) {
			if s.Undone {
				out = append(out, s.ID)
			}
		}
	case CommandSetup:
		out = slices.Clone(setupSteps)
	}
	return out
}

// StepOps is one reported step and the ops of a plan that belong to it.
type StepOps struct {
	ID  string
	Ops []Op
}

// GroupByStep puts every op of ops under its step, in the command's step
// order; each op keeps its place within its step. An op whose step the
// table does not list for the command is not dropped: its step follows,
// in the order first met (a test keeps the table complete).
func GroupByStep(command string, ops []Op) []StepOps {
	ids := StepsOf(command)
	out := make([]StepOps, len(ids))
	at := map[string]int{}
	for i, id := range ids {
		out[i].ID = id
		at[id] = i
	}
	for _, op := range ops {
		i, ok := at[op.Step]
		if !ok {
			i = len(out)
			at[op.Step] = i
			out = append(out, StepOps{ID: op.Step})
		}
		out[i].Ops = append(out[i].Ops, op)
	}
	return out
}
