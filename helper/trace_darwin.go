package helper

// PlatformTrace is the trace vmnetd and the installer take on macOS:
// spindump, leading with the app's main process when it runs.
func PlatformTrace(appBundle string) TraceFunc {
	return Spindump{AppBundle: appBundle}.Trace
}
