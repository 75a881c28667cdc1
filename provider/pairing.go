package provider

// KeyPair reads a target of a signed-protocol provider (an access key ID
// with its secret, as Alibaba Cloud and AWS have) as the key ID and its
// candidate secrets: a secret finding carries its ID in the idGroup
// context group; an ID finding (whose secret is the ID itself, as isID
// tells) has no candidate secret and is probed alone. token is the
// temporary credentials' session token from tokenGroup, if any. An empty
// id means the target cannot be checked.
func KeyPair(t Target, idGroup, tokenGroup string, isID func(string) bool) (id string, secrets []string, token string) {
	token = t.Context[tokenGroup]
	if id = t.Context[idGroup]; id != "" {
		return id, []string{t.Secret}, token
	}
	if isID(t.Secret) {
		return t.Secret, nil, token
	}
	return "", nil, token
}
