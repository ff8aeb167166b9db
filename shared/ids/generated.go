package ids

// JobID identifies a job: "j_" and 26 base32 characters.
type JobID string

// NewJobID returns a new random job id.
func NewJobID() JobID { return JobID(newGenerated(JobPrefix)) }

// ParseJobID checks s is a job id.
func ParseJobID(s string) (JobID, error) {
	if err := parseGenerated("job id", JobPrefix, s); err != nil {
		return "", err
	}
	return JobID(s), nil
}

func (id JobID) String() string { return string(id) }

// MarshalText returns the id; an empty id marshals to "".
func (id JobID) MarshalText() ([]byte, error) { return []byte(id), nil }

// UnmarshalText parses text with ParseJobID; "" is the zero JobID.
func (id *JobID) UnmarshalText(text []byte) error {
	return unmarshal(id, text, ParseJobID)
}

// ObjectID identifies a stored object: "o_" and 26 base32 characters.
type ObjectID string

// NewObjectID returns a new random object id.
func NewObjectID() ObjectID { return ObjectID(newGenerated(ObjectPrefix)) }

// ParseObjectID checks s is an object id.
func ParseObjectID(s string) (ObjectID, error) {
	if err := parseGenerated("object id", ObjectPrefix, s); err != nil {
		return "", err
	}
	return ObjectID(s), nil
}

func (id ObjectID) String() string { return string(id) }

// MarshalText returns the id; an empty id marshals to "".
func (id ObjectID) MarshalText() ([]byte, error) { return []byte(id), nil }

// UnmarshalText parses text with ParseObjectID; "" is the zero ObjectID.
func (id *ObjectID) UnmarshalText(text []byte) error {
	return unmarshal(id, text, ParseObjectID)
}

// TokenID identifies a valet API token (not the token itself): "t_" and 26
// base32 characters.
type TokenID string

// NewTokenID returns a new random token id.
func NewTokenID() TokenID { return TokenID(newGenerated(TokenPrefix)) }

// ParseTokenID checks s is a token id.
func ParseTokenID(s string) (TokenID, error) {
	if err := parseGenerated("token id", TokenPrefix, s); err != nil {
		return "", err
	}
	return TokenID(s), nil
}

func (id TokenID) String() string { return string(id) }

// MarshalText returns the id; an empty id marshals to "".
func (id TokenID) MarshalText() ([]byte, error) { return []byte(id), nil }

// UnmarshalText parses text with ParseTokenID; "" is the zero TokenID.
func (id *TokenID) UnmarshalText(text []byte) error {
	return unmarshal(id, text, ParseTokenID)
}

// unmarshal implements UnmarshalText for every type: empty text is the zero
// value (an absent optional field; callers check required ones), anything
// else must parse.
func unmarshal[T ~string](dst *T, text []byte, parse func(string) (T, error)) error {
	if len(text) == 0 {
		*dst = ""
		return nil
	}
	v, err := parse(string(text))
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
