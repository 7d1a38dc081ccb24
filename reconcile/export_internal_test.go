package reconcile

import "time"

// SetClock replaces the scheduler's clock, for tests in package
// reconcile_test.
func SetClock(s *Scheduler, now func() time.Time) {
	s.now = now
}
