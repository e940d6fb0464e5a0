// This code runs as root: it reopens vmnetd's logs after newsyslog(8)
// rotated them (docs/contract.md §11), so the daemon never keeps writing into a
// rotated, compressed-away file.

package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/macfleet/installer/helper"
)

// reopenFile is a log file that can be opened again under its name.
type reopenFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("log %s is not a regular file", path)
	}
	return f, nil
}

func newReopenFile(path string) (*reopenFile, error) {
	f, err := openLog(path)
	if err != nil {
		return nil, err
	}
	return &reopenFile{path: path, f: f}, nil
}

func (r *reopenFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Write(p)
}

func (r *reopenFile) Sync() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Sync()
}

func (r *reopenFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Close()
}

// reopen opens the name again and swaps it in; on failure the old file
// stays in use.
func (r *reopenFile) reopen() error {
	f, err := openLog(r.path)
	if err != nil {
		return err
	}
	r.mu.Lock()
	old := r.f
	r.f = f
	r.mu.Unlock()
	return old.Close()
}

// stdLog is launchd's log for the job: the plist's StandardOutPath and
// StandardErrorPath, which launchd opened for fds 1 and 2. It is reopened
// only when fd 2 is that very file (same device and inode) at start.
type stdLog struct {
	path       string
	withStdout bool // fd 1 is the same file too
}

// detectStdLog returns the stdLog for path, or nil when fd 2 is not it
// (a terminal, a pipe, another file).
func detectStdLog(path string) *stdLog {
	var fd2, named unix.Stat_t
	if unix.Fstat(2, &fd2) != nil || unix.Lstat(path, &named) != nil ||
		fd2.Mode&unix.S_IFMT != unix.S_IFREG || fd2.Dev != named.Dev || fd2.Ino != named.Ino {
		return nil
	}
	l := &stdLog{path: path}
	var fd1 unix.Stat_t
	l.withStdout = unix.Fstat(1, &fd1) == nil && fd1.Dev == fd2.Dev && fd1.Ino == fd2.Ino
	return l
}

// reopen opens the name again and puts it on fd 2 (and 1).
func (l *stdLog) reopen() error {
	f, err := openLog(l.path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := dup2(int(f.Fd()), 2); err != nil {
		return fmt.Errorf("reopening %s on stderr: %w", l.path, err)
	}
	if l.withStdout {
		if err := dup2(int(f.Fd()), 1); err != nil {
			return fmt.Errorf("reopening %s on stdout: %w", l.path, err)
		}
	}
	return nil
}

// handleRotation writes the pid file newsyslog signals (the product's
// /var/run/<HelperLabel>.pid inside the root) and reopens the logs on each
// SIGHUP. The returned func stops it and removes the pid file.
func handleRotation(ctx context.Context, o options, file *reopenFile, log *zap.Logger) (func(), error) {
	std := detectStdLog(filepath.Join(o.root, o.desc.HelperLogPath()))
	removePID, err := helper.WritePIDFile(filepath.Join(o.root, "/var/run", o.desc.HelperLabel+".pid"))
	if err != nil {
		return nil, err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-hup:
			case <-ctx.Done():
				return
			case <-done:
				return
			}
			if std != nil {
				if err := std.reopen(); err != nil {
					log.Error("reopening the log after rotation", zap.Error(err))
				}
			}
			if file != nil {
				if err := file.reopen(); err != nil {
					log.Error("reopening the log file after rotation", zap.Error(err))
				}
			}
			log.Info("logs reopened (SIGHUP)", zap.Bool("stderr", std != nil), zap.Bool("log_file", file != nil))
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
		removePID()
	}, nil
}
