package client

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress draws a text progress bar for one transfer on w (stderr, for
// people): bytes done / total, percent and rate. On a terminal it redraws
// one line in place (at most every 100 ms); elsewhere (logs, CI) it prints
// a line at each 10% step so the output stays readable. Update is a
// ProgressFunc; call Done when the transfer ends.
type Progress struct {
	w     io.Writer
	label string
	tty   bool
	now   func() time.Time

	mu       sync.Mutex
	start    time.Time
	lastDraw time.Time
	lastStep int64 // last 10% step printed (non-terminal)
	done     int64
	total    int64
}

// NewProgress starts a progress bar labelled label on w; tty says whether
// to redraw in place (see IsTerminal).
func NewProgress(w io.Writer, label string, tty bool) *Progress {
	return newProgress(w, label, tty, time.Now)
}

func newProgress(w io.Writer, label string, tty bool, now func() time.Time) *Progress {
	return &Progress{w: w, label: label, tty: tty, now: now, start: now(), lastStep: -1, total: -1}
}

// IsTerminal reports whether w is a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Update records done of total bytes (total -1 when unknown).
func (p *Progress) Update(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	if p.tty {
		if t := p.now(); t.Sub(p.lastDraw) >= 100*time.Millisecond {
			p.lastDraw = t
			fmt.Fprintf(p.w, "\r%s\x1b[K", p.line())
		}
		return
	}
	if total <= 0 {
		return
	}
	if step := done * 10 / total; step > p.lastStep && step < 10 {
		p.lastStep = step
		fmt.Fprintln(p.w, p.line())
	}
}

// Done draws the final state and ends the line.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total < 0 {
		p.total = p.done
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K\n", p.line())
		return
	}
	fmt.Fprintln(p.w, p.line())
}

// line is "label [#####-----] 1.0 MiB / 2.0 MiB  50%  1.0 MiB/s".
func (p *Progress) line() string {
	rate := ""
	if secs := p.now().Sub(p.start).Seconds(); secs > 0 {
		rate = "  " + humanBytes(int64(float64(p.done)/secs)) + "/s"
	}
	if p.total < 0 {
		return fmt.Sprintf("%s %s%s", p.label, humanBytes(p.done), rate)
	}
	pct := int64(100)
	if p.total > 0 {
		pct = p.done * 100 / p.total
	}
	const width = 20
	filled := int(pct * width / 100)
	bar := strings.Repeat("#", filled) + strings.Repeat("-", width-filled)
	return fmt.Sprintf("%s [%s] %s / %s %3d%%%s", p.label, bar, humanBytes(p.done), humanBytes(p.total), pct, rate)
}

// humanBytes formats n in B, KiB, MiB or GiB with one decimal.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 2; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMG"[exp])
}
