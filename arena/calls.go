package arena

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// CreateRecord creates a training record. Arena responds 201 with the record
// in status ASSIGNED. requestID is sent as X-Request-ID, and an empty one is
// replaced by a random id.
func (c *Client) CreateRecord(ctx context.Context, requestID string, req CreateRecordRequest) (Record, error) {
	var record Record
	err := c.do(ctx, call{
		op:        EndpointCreateRecord,
		method:    http.MethodPost,
		path:      c.cfg.RecordsPath,
		requestID: requestID,
		body:      req,
		out:       &record,
	})
	if err != nil {
		return Record{}, err
	}

	// The caller stores the id in the enrollment map, so a created record
	// without one is useless.
	if record.ID == "" {
		return Record{}, &Error{
			Op:         EndpointCreateRecord,
			StatusCode: http.StatusCreated,
			Err:        fmt.Errorf("%w: created record has no id", ErrInvalidResponse),
		}
	}

	return record, nil
}

// GetRecord returns a training record.
func (c *Client) GetRecord(ctx context.Context, requestID, trainingRecordID string) (Record, error) {
	path, err := fillPath(EndpointGetRecord, c.cfg.RecordPath, PlaceholderTrainingRecordID, trainingRecordID)
	if err != nil {
		return Record{}, err
	}

	var record Record
	err = c.do(ctx, call{
		op:        EndpointGetRecord,
		method:    http.MethodGet,
		path:      path,
		requestID: requestID,
		out:       &record,
	})
	if err != nil {
		return Record{}, err
	}
	return record, nil
}

// CompleteRecord completes a training record and returns it as Arena stored
// it: COMPLETED, or PENDING_APPROVAL when the course's workflow needs
// approval. An empty req.Status is sent as COMPLETED.
func (c *Client) CompleteRecord(ctx context.Context, requestID, trainingRecordID string, req CompleteRequest) (Record, error) {
	path, err := fillPath(EndpointCompleteRecord, c.cfg.CompletePath, PlaceholderTrainingRecordID, trainingRecordID)
	if err != nil {
		return Record{}, err
	}
	if req.Status == "" {
		req.Status = StatusCompleted
	}

	var record Record
	err = c.do(ctx, call{
		op:        EndpointCompleteRecord,
		method:    http.MethodPost,
		path:      path,
		requestID: requestID,
		body:      req,
		out:       &record,
	})
	if err != nil {
		return Record{}, err
	}
	return record, nil
}

// GetUser returns the Arena user with this employee id.
func (c *Client) GetUser(ctx context.Context, requestID, employeeID string) (User, error) {
	path, err := fillPath(EndpointGetUser, c.cfg.UserPath, PlaceholderEmployeeID, employeeID)
	if err != nil {
		return User{}, err
	}

	var user User
	err = c.do(ctx, call{
		op:        EndpointGetUser,
		method:    http.MethodGet,
		path:      path,
		requestID: requestID,
		out:       &user,
	})
	if err != nil {
		return User{}, err
	}
	return user, nil
}

// fillPath replaces placeholder in template with the escaped id. An empty id
// would address a different endpoint, so it is rejected.
func fillPath(op Endpoint, template, placeholder, id string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", &Error{
			Op:  op,
			Err: fmt.Errorf("%w: %s is empty", ErrInvalidArgument, strings.Trim(placeholder, "{}")),
		}
	}
	return strings.ReplaceAll(template, placeholder, url.PathEscape(id)), nil
}
