package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// holder is what the lock file says about the valet-dev that holds it.
type holder struct {
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
}

// lockDir makes this process the only `valet-dev up` using dir: it takes an
// exclusive flock on dir/lock and writes its pid there. The kernel releases
// the lock when the process ends however it ends, so a lock file left by a
// killed valet-dev never blocks a new start. While another process holds
// it, lockDir fails with a message naming that process and how to stop it,
// before anything in dir is touched.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		return nil, busyError(dir, path, f)
	}
	b, _ := json.Marshal(holder{PID: os.Getpid(), Started: time.Now().UTC().Truncate(time.Second)})
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt(append(b, '\n'), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return f, nil
}

// busyError says which process holds the lock and how to stop it.
func busyError(dir, path string, f *os.File) error {
	var h holder
	b, _ := io.ReadAll(f)
	who := "another valet-dev"
	stop := "Ctrl-C in its terminal"
	if json.Unmarshal(b, &h) == nil && h.PID > 0 {
		who = fmt.Sprintf("valet-dev (pid %d, started %s)", h.PID, h.Started.Format(time.RFC3339))
		stop = fmt.Sprintf("Ctrl-C in its terminal or `kill %d`", h.PID)
	}
	return fmt.Errorf("the local stack of %s is already running: %s holds %s.\n"+
		"Stop it with %s, or start a second stack with another directory (valet-dev up -dir DIR)", dir, who, path, stop)
}
