package main

import (
	"context"
	"fmt"
)

// SteadyResult is the steady memory run.
type SteadyResult struct {
	Rate    int          `json:"rate"`
	Seconds float64      `json:"seconds"`
	Figure  Figure       `json:"figure"`
	Samples []heapSample `json:"samples"`
	// FirstThirdHeapMiB and LastThirdHeapMiB are the mean live heaps of the
	// first and last third of the samples after the first minute of warm-up.
	FirstThirdHeapMiB float64 `json:"first_third_heap_mib"`
	LastThirdHeapMiB  float64 `json:"last_third_heap_mib"`
	FirstThirdRSSMiB  float64 `json:"first_third_rss_mib"`
	LastThirdRSSMiB   float64 `json:"last_third_rss_mib"`
	// Grows is true when the last third's live heap exceeds the first
	// third's by more than 10%.
	Grows bool `json:"grows"`
}

// warmUpSeconds is left out of the growth comparison: pools, connections
// and buffers fill during the first minute.
const warmUpSeconds = 60

// runSteady offers SteadyRate events per second for SteadyDuration through
// ingest and worker and samples memory.
func (b *bench) runSteady(ctx context.Context) error {
	res, err := b.runOffered(ctx, offeredRun{name: "steady", rate: b.cfg.SteadyRate, duration: b.cfg.SteadyDuration, sample: b.cfg.SteadySample})
	if err != nil {
		return err
	}

	s := SteadyResult{Rate: b.cfg.SteadyRate, Seconds: b.cfg.SteadyDuration.Seconds(), Figure: res.endToEnd, Samples: res.samples}
	s.compareThirds()
	b.results.Steady = &s
	b.logf("steady: live heap %.1f MiB then %.1f MiB, RSS %.1f MiB then %.1f MiB, grows %v",
		s.FirstThirdHeapMiB, s.LastThirdHeapMiB, s.FirstThirdRSSMiB, s.LastThirdRSSMiB, s.Grows)

	return nil
}

// compareThirds fills the third means and Grows.
func (s *SteadyResult) compareThirds() {
	var steady []heapSample
	for _, sample := range s.Samples {
		if sample.Seconds >= warmUpSeconds || s.Seconds < 3*warmUpSeconds {
			steady = append(steady, sample)
		}
	}
	third := len(steady) / 3
	if third == 0 {
		return
	}

	s.FirstThirdHeapMiB, s.FirstThirdRSSMiB = means(steady[:third])
	s.LastThirdHeapMiB, s.LastThirdRSSMiB = means(steady[len(steady)-third:])
	s.Grows = s.LastThirdHeapMiB > 1.1*s.FirstThirdHeapMiB
}

// means returns the mean heap and RSS of samples.
func means(samples []heapSample) (heap, rss float64) {
	for _, sample := range samples {
		heap += sample.HeapMiB
		rss += sample.RSSMiB
	}
	n := float64(len(samples))

	return heap / n, rss / n
}

// String describes the result in one line.
func (s SteadyResult) String() string {
	return fmt.Sprintf("%d/s for %.0fs", s.Rate, s.Seconds)
}
