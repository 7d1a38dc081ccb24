package consumer

import "github.com/arenasync/arenasync/pipeline"

// Observers returns an Observer that calls each non-nil observer in turn,
// for a worker that feeds several observers through one WithObserver,
// which keeps only the last observer it is given. It returns nil when
// every observer is nil.
func Observers(observers ...Observer) Observer {
	var set []Observer
	for _, obs := range observers {
		if obs != nil {
			set = append(set, obs)
		}
	}

	switch len(set) {
	case 0:
		return nil
	case 1:
		return set[0]
	}

	return func(topic string, env pipeline.Envelope, out pipeline.Outcome) {
		for _, obs := range set {
			obs(topic, env, out)
		}
	}
}
