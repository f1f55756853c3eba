package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress reports how far index is: on a terminal a bar redrawn in place
// with the rate and the time left; otherwise a plain line every 10% (and at
// least every 30 s). Messages (skipped files) go on lines of their own.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	total    int
	done     int
	tty      bool
	quiet    bool
	start    time.Time
	lastDraw time.Time
	lastLine int // done at the last plain line
	lastTime time.Time
	drawn    bool
}

// isTerminal reports whether w is a character device (a terminal), from
// its file mode: the module has no terminal library.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

func newProgress(w io.Writer, total int, quiet bool) *progress {
	now := time.Now()
	return &progress{w: w, total: total, tty: isTerminal(w), quiet: quiet, start: now, lastTime: now}
}

// set records that done files are finished.
func (p *progress) set(done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = max(p.done, done)
	if p.quiet {
		return
	}
	now := time.Now()
	if p.tty {
		if now.Sub(p.lastDraw) >= 100*time.Millisecond || p.done == p.total {
			p.draw(now)
		}
		return
	}
	step := max(p.total/10, 1)
	if p.done-p.lastLine >= step || now.Sub(p.lastTime) >= 30*time.Second || p.done == p.total {
		fmt.Fprintf(p.w, "%d/%d files  %s\n", p.done, p.total, p.rateETA(now))
		p.lastLine, p.lastTime = p.done, now
	}
}

func (p *progress) rateETA(now time.Time) string {
	el := now.Sub(p.start).Seconds()
	if el <= 0 || p.done == 0 {
		return "-- files/s  ETA --"
	}
	rate := float64(p.done) / el
	left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second)).Round(time.Second)
	return fmt.Sprintf("%.1f files/s  ETA %s", rate, left)
}

func (p *progress) draw(now time.Time) {
	const width = 30
	fill := 0
	if p.total > 0 {
		fill = width * p.done / p.total
	}
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	fmt.Fprintf(p.w, "\r\x1b[K[%s] %d/%d  %s", bar, p.done, p.total, p.rateETA(now))
	p.lastDraw, p.drawn = now, true
}

// log prints a message on a line of its own (above the bar on a terminal).
func (p *progress) log(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintln(p.w, msg)
	if p.tty && p.drawn && !p.quiet {
		p.draw(time.Now())
	}
}

// finish ends the bar's line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.drawn {
		p.draw(time.Now())
		fmt.Fprintln(p.w)
	}
}
