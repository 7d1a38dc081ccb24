package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress modes of `arenasync reconcile --progress`.
const (
	progressAuto = "auto"
	progressBar  = "bar"
	progressNone = "none"
)

// reconcileProgress draws the progress of reading Arena records as a bar.
type reconcileProgress struct {
	mu  sync.Mutex
	out io.Writer
	bar *progressbar.ProgressBar
}

// newReconcileProgress returns the progress function for Options.Progress
// and a function that ends the bar. Mode auto draws a bar only when out is
// a terminal.
func newReconcileProgress(mode string, out io.Writer) (func(done, total int), func(), error) {
	switch mode {
	case progressBar:
	case progressAuto:
		if file, ok := out.(*os.File); !ok || !term.IsTerminal(int(file.Fd())) {
			return nil, func() {}, nil
		}
	case progressNone:
		return nil, func() {}, nil
	default:
		return nil, nil, fmt.Errorf("--progress %q is invalid: use auto, bar or none", mode)
	}

	p := &reconcileProgress{out: out}

	return p.update, p.finish, nil
}

// update moves the bar to done of total, creating it on the first call.
func (p *reconcileProgress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.bar == nil {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.out),
			progressbar.OptionSetDescription("Arena records read"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	}
	_ = p.bar.Set(done)
}

// finish completes the bar's line, if one was drawn.
func (p *reconcileProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.bar != nil {
		_ = p.bar.Exit()
		fmt.Fprintln(p.out)
	}
}
