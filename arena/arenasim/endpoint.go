package arenasim

// Endpoint names a simulated Arena endpoint, in the same words as the arena
// package's endpoint labels.
type Endpoint string

// The simulated endpoints. EndpointUnknown counts requests to any other path.
const (
	EndpointToken          Endpoint = "token"
	EndpointLogin          Endpoint = "login"
	EndpointCreateRecord   Endpoint = "create_record"
	EndpointGetRecord      Endpoint = "get_record"
	EndpointCompleteRecord Endpoint = "complete_record"
	EndpointGetUser        Endpoint = "get_user"
	EndpointUnknown        Endpoint = "unknown"
)

// Paths served by the simulator.
const (
	PathToken    = "/api/v1/auth/token"
	PathLogin    = "/api/v1/login"
	PathRecords  = "/api/v1/training/records"
	PathRecord   = "/api/v1/training/records/{trainingRecordId}"
	PathComplete = "/api/v1/training/records/{trainingRecordId}/complete"
	PathUser     = "/api/v1/users/{employeeId}"
)

// Scopes granted by the token endpoint and checked per endpoint.
const (
	ScopeTrainingRecordsWrite = "training.records.write"
	ScopeTrainingStatusUpdate = "training.status.update"
	ScopeUserRead             = "user.read"
)

// AllScopes returns the three scopes arenasync needs.
func AllScopes() []string {
	return []string{ScopeTrainingRecordsWrite, ScopeTrainingStatusUpdate, ScopeUserRead}
}

// isTrainingCall reports whether the random error rate applies to e.
func isTrainingCall(e Endpoint) bool {
	return e == EndpointCreateRecord || e == EndpointGetRecord || e == EndpointCompleteRecord
}

// requiredScopes returns the scopes of which a token needs at least one to
// call e. Reading a record is allowed with either training scope.
func requiredScopes(e Endpoint) []string {
	switch e {
	case EndpointCreateRecord:
		return []string{ScopeTrainingRecordsWrite}
	case EndpointGetRecord:
		return []string{ScopeTrainingRecordsWrite, ScopeTrainingStatusUpdate}
	case EndpointCompleteRecord:
		return []string{ScopeTrainingStatusUpdate}
	case EndpointGetUser:
		return []string{ScopeUserRead}
	default:
		return nil
	}
}
