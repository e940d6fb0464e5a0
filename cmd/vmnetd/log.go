package main

import (
	"io"
	"os"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// newLogger tees a console core on stderr (launchd sends it to the
// plist's log path) with a JSON-lines core in logFile when one is given.
func newLogger(stderr io.Writer, logFile string) (*zap.Logger, func(), error) {
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
	if logFile != "" {
		f, err := os.OpenFile(logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
		if err != nil {
			return nil, nil, err
		}
		jc := zap.NewProductionEncoderConfig()
		jc.TimeKey = "time"
		jc.EncodeTime = zapcore.ISO8601TimeEncoder
		cores = append(cores, zapcore.NewCore(zapcore.NewJSONEncoder(jc), zapcore.Lock(zapcore.AddSync(f)), zapcore.DebugLevel))
		closeFn = func() { f.Close() }
	}
	log := zap.New(zapcore.NewTee(cores...))
	return log, func() { log.Sync(); closeFn() }, nil
}
