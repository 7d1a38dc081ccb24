package adapters

import (
	"encoding/json"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// scoreOf reads a percentage score under the score rule of package
// pipeline (see pipeline.ParseScore). A dropped value is logged and
// counted; an unreadable one is recorded on fe.
func (a *Adapter) scoreOf(raw json.RawMessage, path string, fe *fieldErrors) (*float64, []pipeline.ScoreDrop) {
	score, drop, err := pipeline.ParseScore(path, raw)
	if err != nil {
		fe.add(path, "%s", err.Error())

		return nil, nil
	}
	if drop != nil {
		return nil, []pipeline.ScoreDrop{*drop}
	}

	return score, nil
}

// reportDrops logs each dropped score at Warn and counts it. The completion
// it belonged to is accepted without it.
func (a *Adapter) reportDrops(eventID string, drops []pipeline.ScoreDrop) {
	for _, d := range drops {
		a.log.Warn("score dropped: "+d.Message(),
			zap.String(keySource, a.cfg.Source),
			zap.String(keyEventID, eventID),
			zap.String(keyField, d.Field),
			zap.String(keyReason, d.Reason),
		)
		a.metrics.scoreDropped(a.cfg.Source, d.Reason)
	}
}
