// Package webhookauth checks that a webhook request comes from the LMS it
// claims to come from. Each source of arenasync uses one mode:
//
//   - bearer: "Authorization: Bearer <token>" carries a shared token.
//   - hmac-sha256: a header carries HMAC-SHA256 over the raw body, in hex
//     or base64, with an optional "sha256=" prefix.
//   - standard-webhooks: the webhook-id, webhook-timestamp and
//     webhook-signature headers of the Standard Webhooks specification
//     (https://www.standardwebhooks.com), as 360Learning sends them.
//   - body-token: a JSON field of the body carries a shared token, as
//     Moodle's webhook plugins send it.
//
// Every mode accepts several secrets at once, so a secret can be rotated
// without rejecting deliveries signed with the old one. Secrets are compared
// in constant time, verification runs over the exact bytes received, and no
// error message contains a secret or the value a client sent for one.
package webhookauth
