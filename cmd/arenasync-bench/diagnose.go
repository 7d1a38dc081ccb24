package main

import (
	"bytes"
	"context"
	"fmt"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCommands returns the number of commands the Redis server has
// processed, from INFO stats, or 0 when it cannot be read.
func redisCommands(ctx context.Context, rdb *redis.Client) int64 {
	info, err := rdb.Info(ctx, "stats").Result()
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(info, "\n") {
		if value, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			n, _ := strconv.ParseInt(value, 10, 64)

			return n
		}
	}

	return 0
}

// handlerUse is the handler occupancy that countBusyHandlers sampled.
type handlerUse struct {
	busy    float64
	full    int
	samples int
}

// String describes the handler use for a figure's note.
func (u handlerUse) String() string {
	if u.samples == 0 {
		return "handler use not sampled"
	}

	return fmt.Sprintf("%.0f handlers busy on average, every record slot held in %d of %d samples", u.busy, u.full, u.samples)
}

// countBusyHandlers samples, ten times between 20% and 80% of the events,
// how many goroutines are inside consumer.(*runner).process (handlers
// handling an event) and whether the main topic's fetch loop waits for a
// free record slot. It shows whether the configured concurrency is in use.
func countBusyHandlers(counts *outcomes, events int) handlerUse {
	var use handlerUse
	busy := 0
	for use.samples < 10 {
		progress := float64(counts.done.Load()+counts.failed.Load()) / float64(events)
		if progress >= 0.8 {
			break
		}
		if progress < 0.2 {
			time.Sleep(20 * time.Millisecond)

			continue
		}

		var buf bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 2); err != nil {
			break
		}
		for _, stack := range strings.Split(buf.String(), "\n\n") {
			if strings.Contains(stack, "consumer.(*runner).process(") {
				busy++
			}
			if waitsForSlot(stack) {
				use.full++
			}
		}
		use.samples++
		time.Sleep(50 * time.Millisecond)
	}
	if use.samples > 0 {
		use.busy = float64(busy) / float64(use.samples)
	}

	return use
}

// waitsForSlot reports whether a goroutine stack is a fetch loop that waits
// in its select for a free record slot: its first frame is fetchLoop
// itself, not FetchMessage or the gate.
func waitsForSlot(stack string) bool {
	lines := strings.Split(stack, "\n")
	if len(lines) < 2 || !strings.Contains(lines[0], "[select") {
		return false
	}

	return strings.Contains(lines[1], "consumer.(*runner).fetchLoop(")
}
