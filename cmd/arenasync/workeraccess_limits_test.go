package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
)

// checkNothingRetried fails the test when any record entered a retry tier or
// the dead-letter topic.
func checkNothingRetried(t *testing.T, rig *accessRig) {
	t.Helper()
	for i, n := range rig.tierRecords() {
		if n != 0 {
			t.Errorf("retry tier %d holds %d records, want 0", i+1, n)
		}
	}
	if n := rig.deadLetters(); n != 0 {
		t.Errorf("dead-letter topic holds %d records, want 0", n)
	}
}

// firstRateLimited returns the time of the first 429 in the request log.
func firstRateLimited(t *testing.T, rig *accessRig) time.Time {
	t.Helper()
	for _, entry := range rig.sim.Requests() {
		if entry.Status == http.StatusTooManyRequests {
			return entry.At
		}
	}
	t.Fatal("the simulator answered no request with 429")
	return time.Time{}
}

func TestWorkersPauseForRetryAfter(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		retryAfter func() string
		// quiet is the part of the pause in which no call may arrive,
		// measured from the 429.
		quietFrom, quietTo time.Duration
	}{
		{
			name:       "seconds",
			retryAfter: func() string { return "2" },
			quietFrom:  300 * time.Millisecond,
			quietTo:    1800 * time.Millisecond,
		},
		{
			// An HTTP date has whole seconds, so the pause lasts 2 to 3s.
			name:       "HTTP date",
			retryAfter: func() string { return time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat) },
			quietFrom:  300 * time.Millisecond,
			quietTo:    1800 * time.Millisecond,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rig := startAccessRig(t, arenasim.Config{})
			workers := rig.startWorkers(2)
			rig.send(4)
			rig.waitAllCompleted(60 * time.Second)

			ctx, stop := context.WithCancel(context.Background())
			sending := make(chan struct{})
			go func() {
				defer close(sending)
				rig.sendSteadily(ctx, 2, 100*time.Millisecond)
			}()
			time.Sleep(time.Second)
			rig.sim.FailNextWith(arenasim.EndpointCompleteRecord, arenasim.Failure{Status: http.StatusTooManyRequests, RetryAfter: tt.retryAfter()}, 1)
			time.Sleep(4 * time.Second)
			stop()
			<-sending

			rig.waitAllCompleted(30 * time.Second)
			stopWorkers(t, workers)

			at := firstRateLimited(t, rig)
			quiet := rig.requestsBetween(at.Add(tt.quietFrom), at.Add(tt.quietTo))
			if len(quiet) != 0 {
				t.Errorf("%d calls arrived between %s and %s after the 429, want none; first at %s after",
					len(quiet), tt.quietFrom, tt.quietTo, quiet[0].At.Sub(at))
			}
			resumed := rig.requestsBetween(at.Add(3500*time.Millisecond), at.Add(5*time.Second))
			if len(resumed) == 0 {
				t.Errorf("no call arrived 3.5s to 5s after the 429; the workers did not resume")
			}
			t.Logf("Retry-After as %s: %d events, %d calls in the quiet window, %d calls 3.5s to 5s after the 429",
				tt.name, rig.sentCount(), len(quiet), len(resumed))
			checkNothingRetried(t, rig)
		})
	}
}

func TestWorkersWaitOutUsedUpQuota(t *testing.T) {
	t.Parallel()
	const quotaWindow = 10 * time.Second

	rig := startAccessRig(t, arenasim.Config{})
	workers := rig.startWorkers(2)
	rig.send(4)
	rig.waitAllCompleted(60 * time.Second)

	ctx, stop := context.WithCancel(context.Background())
	sending := make(chan struct{})
	go func() {
		defer close(sending)
		rig.sendSteadily(ctx, 2, 100*time.Millisecond)
	}()
	time.Sleep(time.Second)

	start := time.Now()
	rig.sim.SetQuotaExhausted(start.Add(quotaWindow), false)
	completedAtStart := rig.sim.Stats().Completions
	time.Sleep(quotaWindow)
	completedInWindow := rig.sim.Stats().Completions - completedAtStart
	stop()
	<-sending

	rig.waitAllCompleted(60 * time.Second)
	stopWorkers(t, workers)

	// The calls in flight when the quota ran out arrive in the first
	// moment; after that only probes should.
	probes := rig.requestsBetween(start.Add(500*time.Millisecond), start.Add(quotaWindow))
	if len(probes) > 8 {
		t.Errorf("%d calls arrived while the quota was used up, want at most 8 probes (backoff 0.5s doubling to 2s over %s)", len(probes), quotaWindow)
	}
	if completedInWindow != 0 {
		t.Errorf("%d completions while the quota was used up, want 0", completedInWindow)
	}
	t.Logf("quota used up for %s: %d calls after the first 0.5s, %d events sent, all completed afterwards",
		quotaWindow, len(probes), rig.sentCount())
	checkNothingRetried(t, rig)
}

func TestWorkersSurviveArenaOutage(t *testing.T) {
	t.Parallel()
	const (
		outage      = 30 * time.Second
		concurrency = 4
		workerCount = 2
	)

	rig := startAccessRig(t, arenasim.Config{Latency: 5 * time.Millisecond})
	workers := rig.startWorkers(workerCount)
	rig.send(4)
	rig.waitAllCompleted(60 * time.Second)

	ctx, stop := context.WithCancel(context.Background())
	sending := make(chan struct{})
	go func() {
		defer close(sending)
		rig.sendSteadily(ctx, 2, 100*time.Millisecond)
	}()

	before := rig.throughput(5 * time.Second)
	start := time.Now()
	rig.sim.SetOutage(start, start.Add(outage))
	time.Sleep(outage)
	stop()
	<-sending

	end := time.Now()
	backlog := rig.sentCount() - rig.completed()
	after := rig.throughput(2 * time.Second)
	rig.waitAllCompleted(90 * time.Second)
	drain := time.Since(end)
	stopWorkers(t, workers)

	tiers := rig.tierRecords()
	t.Logf("outage of %s: %d events, backlog %d at its end, drained in %s; throughput %.1f events/s before, %.1f events/s in the first 2s after; tiers %v",
		outage, rig.sentCount(), backlog, drain.Round(100*time.Millisecond), before, after, tiers)

	if n := rig.deadLetters(); n != 0 {
		t.Errorf("dead-letter topic holds %d records, want 0", n)
	}
	// Only events in flight when the outage began may enter the first tier.
	if tiers[0] > workerCount*concurrency {
		t.Errorf("first tier holds %d records, want at most %d (the events in flight)", tiers[0], workerCount*concurrency)
	}
	for i, n := range tiers[1:] {
		if n != 0 {
			t.Errorf("retry tier %d holds %d records, want 0", i+2, n)
		}
	}
	if backlog < 200 {
		t.Errorf("backlog at the end of the outage = %d, want at least 200: fetching should have paused", backlog)
	}
}

func TestWorkersRenewIdleSession(t *testing.T) {
	t.Parallel()
	const idle = 2 * time.Second

	rig := startAccessRig(t, arenasim.Config{SessionIdleTimeout: idle})
	workers := rig.startWorkers(2, "--arena-auth-mode", "session")
	rig.send(4)
	rig.waitAllCompleted(60 * time.Second)

	for range 3 {
		waitSessionIdle(t, rig.sim, idle)
		rig.send(10)
		rig.waitAllCompleted(30 * time.Second)
	}
	stopWorkers(t, workers)

	stats := rig.sim.Stats()
	if stats.SessionLogins < 4 {
		t.Errorf("session logins = %d, want at least 4 (the first and one after each idle gap)", stats.SessionLogins)
	}
	if stats.SessionLogins > 6 {
		t.Errorf("session logins = %d, want at most 6: instances should share the session", stats.SessionLogins)
	}
	if stats.Logins != 0 {
		t.Errorf("token logins = %d, want 0 in session mode", stats.Logins)
	}
	t.Logf("session mode: %d session logins, %d calls rejected for an ended session, %d events", stats.SessionLogins, stats.RejectedUnauthorized, rig.sentCount())
	checkNothingRetried(t, rig)
}

// waitSessionIdle waits until the simulator has seen no request for longer
// than idle, so it has ended the session. A fixed sleep after the last
// completion is not enough on a busy machine, where a worker's last call
// may reach the simulator later.
func waitSessionIdle(t *testing.T, sim *arenasim.Sim, idle time.Duration) {
	t.Helper()

	const margin = 300 * time.Millisecond
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var last time.Time
		for _, entry := range sim.Requests() {
			if entry.At.After(last) {
				last = entry.At
			}
		}

		wait := time.Until(last.Add(idle + margin))
		if wait <= 0 {
			return
		}
		time.Sleep(wait)
	}
	t.Fatalf("the simulator kept receiving requests for 30s, so the session never went idle for %s", idle)
}
