package adapters

import (
	"net/http"

	"github.com/arenasync/arenasync/pipeline"
)

// parseGeneric reads the generic format with pipeline.ParseGeneric and
// applies the source's identity rule to its employeeId.
func (a *Adapter) parseGeneric(_ http.Header, body []byte) ([]pipeline.Event, error) {
	var drops []pipeline.ScoreDrop
	opts := pipeline.GenericOptions{
		Dates:          pipeline.DateRule{Location: a.cfg.TimeZone},
		Now:            a.cfg.Now,
		OnScoreDropped: func(d pipeline.ScoreDrop) { drops = append(drops, d) },
	}

	event, err := pipeline.ParseGeneric(body, opts)
	if err != nil {
		return nil, err
	}

	fe := &fieldErrors{eventID: event.ID}
	employeeID, err := a.employee(completion{userField: "employeeId", lmsUserID: event.EmployeeID}, fe)
	if err != nil {
		return nil, err
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	event.EmployeeID = employeeID

	a.reportDrops(event.ID, drops)

	return []pipeline.Event{event}, nil
}
