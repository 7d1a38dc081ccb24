package arena

// Endpoint names an Arena call. The names are stable, so they serve as metric
// labels and as Error.Op.
type Endpoint string

// The Arena calls this package makes.
const (
	EndpointToken          Endpoint = "token"
	EndpointLogin          Endpoint = "login"
	EndpointCreateRecord   Endpoint = "create_record"
	EndpointGetRecord      Endpoint = "get_record"
	EndpointCompleteRecord Endpoint = "complete_record"
	EndpointGetUser        Endpoint = "get_user"
)

// Endpoints returns every Endpoint, for initializing metric label sets.
func Endpoints() []Endpoint {
	return []Endpoint{
		EndpointToken,
		EndpointLogin,
		EndpointCreateRecord,
		EndpointGetRecord,
		EndpointCompleteRecord,
		EndpointGetUser,
	}
}
