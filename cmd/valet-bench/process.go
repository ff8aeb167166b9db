package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"valet.dev/valet/emulators/gcloud"
)

// builds are the binaries figures 4 and 5 start.
type builds struct {
	function string // every function, as Cloud Functions builds the module root
	hello    string // the smallest functions-framework function
	helloSDK string // hello linking the Google SDKs the functions need
}

// binaries builds the function and hello-world binaries into dir once.
func (b *bench) binaries(ctx context.Context) (builds, error) {
	dir := b.c.binDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "valet-valet-bench-"); err != nil {
			return builds{}, err
		}
		b.onStop(func() { _ = os.RemoveAll(dir) })
	}
	out := builds{function: filepath.Join(dir, "function"), hello: filepath.Join(dir, "hello"), helloSDK: filepath.Join(dir, "hello-sdk")}
	for _, build := range [][]string{
		{"-o", out.function, "./cmd/valet-bench/function"},
		{"-o", out.hello, "./cmd/valet-bench/hello"},
		{"-tags", "sdk", "-o", out.helloSDK, "./cmd/valet-bench/hello"},
	} {
		cmd := exec.CommandContext(ctx, "go", append([]string{"build"}, build...)...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return builds{}, fmt.Errorf("go build %s (run from the module root): %v: %s", strings.Join(build, " "), err, msg)
		}
	}
	return out, nil
}

// proc is a started function process.
type proc struct {
	cmd       *exec.Cmd
	url       string
	started   time.Time
	listening time.Duration // start to its port accepting a connection
	ready     time.Duration // start to the first 200
}

// startProcess runs bin on a free port with env added to this process's
// (the emulator hosts the stack set) and waits for a 200 on path.
func startProcess(ctx context.Context, bin string, env map[string]string, path string) (*proc, error) {
	port, err := gcloud.FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	url := "http://" + addr
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+strings.ReplaceAll(v, "{{URL}}", url))
	}
	p := &proc{cmd: cmd, url: url, started: time.Now()}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(time.Minute)
	var last error
	for {
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.stop()
			return nil, fmt.Errorf("%s answered no 200 on %s within a minute (last: %v)", bin, path, last)
		}
		if p.listening == 0 {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				last = err
				time.Sleep(time.Millisecond)
				continue
			}
			p.listening = time.Since(p.started)
			_ = conn.Close()
		}
		res, err := c.Get(url + path)
		last = err
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				p.ready = time.Since(p.started)
				return p, nil
			}
			last = fmt.Errorf("status %s", res.Status)
		}
		time.Sleep(time.Millisecond)
	}
}

func (p *proc) stop() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

// usage is a process's CPU time so far and its peak resident set size.
type usage struct {
	cpu  time.Duration
	peak int64 // bytes
}

// usageOf reads /proc/PID/stat (utime, stime) and /proc/PID/status (VmHWM).
func usageOf(pid int) (usage, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return usage{}, err
	}
	// Fields after the command name (which is in parentheses and may hold
	// spaces): utime and stime are the 14th and 15th fields of the line.
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
	f := strings.Fields(rest)
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	u := usage{cpu: time.Duration(utime+stime) * time.Second / ticks}
	peak, err := statusKB(pid, "VmHWM:")
	u.peak = peak
	return u, err
}

// statusKB is a "Vm...:" line of /proc/PID/status, in bytes.
func statusKB(pid int, key string) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", key, pid)
}

// resetPeak starts this process's VmHWM over from its current RSS
// (clear_refs 5, Linux 4.0+); false where the kernel refuses.
func resetPeak() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
