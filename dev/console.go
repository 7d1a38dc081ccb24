package dev

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress shows how many generated events have a final outcome. Run calls
// Start once, Update from one goroutine, then Finish.
type Progress interface {
	Start(total int)
	Update(final int)
	Finish()
}

// Update intervals: a bar is drawn at most every barInterval, a plain line
// printed at most every plainInterval.
const (
	barInterval   = 100 * time.Millisecond
	plainInterval = 2 * time.Second
)

// Console shows progress on a stream: a progress bar when the stream is a
// terminal, a plain line every two seconds otherwise. It is also an
// io.Writer for log lines, which it writes above the bar instead of through
// it. It is safe for concurrent use.
type Console struct {
	mu       sync.Mutex
	out      io.Writer
	terminal bool

	bar         *progressbar.ProgressBar
	total       int
	final       int
	lastPrinted time.Time
}

// NewConsole returns a Console writing to out, such as os.Stderr.
func NewConsole(out *os.File) *Console {
	return &Console{out: out, terminal: term.IsTerminal(int(out.Fd()))}
}

// Terminal reports whether the Console writes to a terminal, where colored
// log levels are readable.
func (c *Console) Terminal() bool {
	return c.terminal
}

// Start shows an empty bar for total events.
func (c *Console) Start(total int) {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.total = total
	if !c.terminal {
		c.printLine()

		return
	}

	c.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(c.out),
		progressbar.OptionSetDescription("final outcomes"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetRenderBlankState(true),
	)
}

// Update shows that final of the total events have a final outcome.
func (c *Console) Update(final int) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if final == c.final {
		return
	}
	c.final = final

	if c.bar != nil {
		if time.Since(c.lastPrinted) >= barInterval || final >= c.total {
			_ = c.bar.Set(final)
			c.lastPrinted = time.Now()
		}

		return
	}
	if time.Since(c.lastPrinted) >= plainInterval {
		c.printLine()
	}
}

// Finish shows the last count and ends the bar's line.
func (c *Console) Finish() {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.bar == nil {
		c.printLine()

		return
	}

	_ = c.bar.Set(c.final)
	_ = c.bar.Exit()
	fmt.Fprintln(c.out)
	c.bar = nil
}

// printLine writes a plain progress line. c.mu must be held.
func (c *Console) printLine() {
	fmt.Fprintf(c.out, "progress: %d/%d events final\n", c.final, c.total)
	c.lastPrinted = time.Now()
}

// Write writes a log line. While a bar is shown, it clears the bar first
// and draws it again below the line.
func (c *Console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.bar == nil {
		return c.out.Write(p)
	}

	_ = c.bar.Clear()
	n, err := c.out.Write(p)
	_ = c.bar.RenderBlank()

	return n, err
}

// Sync returns nil, because every Write reaches the stream at once. It makes
// a Console a zapcore.WriteSyncer.
func (c *Console) Sync() error {
	return nil
}
