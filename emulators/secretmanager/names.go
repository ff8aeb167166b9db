package secretmanager

import (
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// latestAlias is the version id that names a secret's newest version.
const latestAlias = "latest"

var (
	// projectPattern accepts project ids (my-proj), domain-scoped ids
	// (example.com:my-proj) and project numbers (123456), as given.
	projectPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9.:_-]{0,127}$`)
	// secretIDPattern is the real service's rule for secret ids.
	secretIDPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,255}$`)
)

// secretName is a parsed projects/P/secrets/S.
type secretName struct {
	project string
	secret  string
}

func (n secretName) String() string { return "projects/" + n.project + "/secrets/" + n.secret }

// versionName is a parsed projects/P/secrets/S/versions/V; number 0 stands
// for the latest alias.
type versionName struct {
	secret secretName
	number int64
}

func (n versionName) isLatest() bool { return n.number == 0 }

func (n versionName) String() string { return versionString(n.secret, n.number) }

func versionString(s secretName, number int64) string {
	id := latestAlias
	if number > 0 {
		id = strconv.FormatInt(number, 10)
	}
	return s.String() + "/versions/" + id
}

// parseProject parses a parent of the form projects/P.
func parseProject(parent string) (string, error) {
	parts := strings.Split(parent, "/")
	if err := rejectRegional(parts); err != nil {
		return "", err
	}
	if len(parts) != 2 || parts[0] != "projects" || !projectPattern.MatchString(parts[1]) {
		return "", status.Errorf(codes.InvalidArgument, "invalid parent %q: want projects/{project}", parent)
	}
	return parts[1], nil
}

// parseSecretName parses projects/P/secrets/S.
func parseSecretName(name string) (secretName, error) {
	parts := strings.Split(name, "/")
	if err := rejectRegional(parts); err != nil {
		return secretName{}, err
	}
	if len(parts) != 4 || parts[0] != "projects" || parts[2] != "secrets" ||
		!projectPattern.MatchString(parts[1]) || !secretIDPattern.MatchString(parts[3]) {
		return secretName{}, status.Errorf(codes.InvalidArgument, "invalid secret name %q: want projects/{project}/secrets/{secret}", name)
	}
	return secretName{project: parts[1], secret: parts[3]}, nil
}

// parseVersionName parses projects/P/secrets/S/versions/V where V is a
// positive version number or "latest".
func parseVersionName(name string) (versionName, error) {
	parts := strings.Split(name, "/")
	if err := rejectRegional(parts); err != nil {
		return versionName{}, err
	}
	invalid := status.Errorf(codes.InvalidArgument,
		"invalid secret version name %q: want projects/{project}/secrets/{secret}/versions/{version} with a version number or %q", name, latestAlias)
	if len(parts) != 6 || parts[4] != "versions" {
		return versionName{}, invalid
	}
	secret, err := parseSecretName(strings.Join(parts[:4], "/"))
	if err != nil {
		return versionName{}, invalid
	}
	if parts[5] == latestAlias {
		return versionName{secret: secret}, nil
	}
	number, err := strconv.ParseInt(parts[5], 10, 64)
	if err != nil || number < 1 || strconv.FormatInt(number, 10) != parts[5] {
		return versionName{}, invalid
	}
	return versionName{secret: secret, number: number}, nil
}

// rejectRegional answers Unimplemented for projects/P/locations/L/... names:
// regional secrets are not emulated.
func rejectRegional(parts []string) error {
	if len(parts) >= 3 && parts[0] == "projects" && parts[2] == "locations" {
		return status.Error(codes.Unimplemented, "regional secrets (projects/*/locations/*) are not supported by this emulator")
	}
	return nil
}
