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

// laneUse is the lane occupancy that countBusyLanes sampled.
type laneUse struct {
	busy    float64
	blocked int
	samples int
}

// String describes the lane use for a figure's note.
func (u laneUse) String() string {
	if u.samples == 0 {
		return "lane use not sampled"
	}

	return fmt.Sprintf("%.0f lanes busy on average, fetch loop waiting on a full lane in %d of %d samples", u.busy, u.blocked, u.samples)
}

// countBusyLanes samples, ten times between 20% and 80% of the events,
// how many goroutines are inside consumer.(*runner).process (lanes
// handling an event) and whether the main topic's fetch loop waits to
// hand a record to a full lane. It shows whether the configured
// concurrency is in use.
func countBusyLanes(counts *outcomes, events int) laneUse {
	var use laneUse
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
			if waitsOnLane(stack) {
				use.blocked++
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

// waitsOnLane reports whether a goroutine stack is a fetch loop that waits
// in its select to hand a record to a lane: its first frame is fetchLoop
// itself, not FetchMessage or the gate.
func waitsOnLane(stack string) bool {
	lines := strings.Split(stack, "\n")
	if len(lines) < 2 || !strings.Contains(lines[0], "[select") {
		return false
	}

	return strings.Contains(lines[1], "consumer.(*runner).fetchLoop(")
}
