package main

import (
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// newLogger tees a console core on stderr (launchd sends it to the
// plist's log path) with a JSON-lines core in logFile when one is given.
// The returned file, when not nil, can be reopened after a rotation.
func newLogger(stderr io.Writer, logFile string) (*zap.Logger, func(), *reopenFile, error) {
	cc := zapcore.EncoderConfig{
		TimeKey:          "time",
		MessageKey:       "msg",
		LevelKey:         "level",
		EncodeTime:       zapcore.ISO8601TimeEncoder,
		EncodeLevel:      zapcore.CapitalLevelEncoder,
		ConsoleSeparator: " ",
	}
	cores := []zapcore.Core{zapcore.NewCore(zapcore.NewConsoleEncoder(cc), zapcore.Lock(zapcore.AddSync(stderr)), zapcore.InfoLevel)}
	closeFn := func() {}
	var f *reopenFile
	if logFile != "" {
		var err error
		if f, err = newReopenFile(logFile); err != nil {
			return nil, nil, nil, err
		}
		jc := zap.NewProductionEncoderConfig()
		jc.TimeKey = "time"
		jc.EncodeTime = zapcore.ISO8601TimeEncoder
		cores = append(cores, zapcore.NewCore(zapcore.NewJSONEncoder(jc), zapcore.Lock(zapcore.AddSync(f)), zapcore.DebugLevel))
		closeFn = func() { f.Close() }
	}
	log := zap.New(zapcore.NewTee(cores...))
	return log, func() { log.Sync(); closeFn() }, f, nil
}
