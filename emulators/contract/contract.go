// Package contract holds the functions to valet's OpenAPI document
// (shared/openapi) on the local stack: Checker wraps each function's
// handler, keeps a copy of every request and answer that passes (bodies up
// to MaxBody), and validates the pair against the function's part of the
// document with github.com/getkin/kin-openapi (openapi3filter, which
// validates OpenAPI 3.1 schemas as JSON Schema 2020-12). What does not
// match is a violation, kept for the tests to fail on (Stack.Contract) and
// logged.
//
// A request the document refuses (a wrong type, a missing field) is fine
// when the function refuses it too (a 4xx); one the function accepts (2xx)
// is a violation, as is any answer the document does not allow: an
// undocumented status, a body of the wrong shape or type, an error that is
// not valet's error body. A route the document does not describe may only
// be answered 404 or 405 with the error body. CORS preflights (OPTIONS)
// are not in the document and are not checked.
package contract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"valet.dev/valet/shared/openapi"
)

// MaxBody is how much of a request or answer body is kept: a body past it
// is not validated (its status and headers still are). Function bodies are
// small (workspaces and objects go to storage, not to the functions).
const MaxBody = 1 << 20

// Checker validates the exchanges of the functions it wraps.
type Checker struct {
	log *slog.Logger

	mu         sync.Mutex
	violations []string
	documented map[string]bool // "function METHOD path" of each function wrapped
	answered   map[string]bool // those answered 2xx at least once
	exchanges  atomic.Int64
	onViolate  func(string)
}

// New returns a checker that logs each violation to log (when not nil)
// and calls onViolate (when not nil) with it.
func New(log *slog.Logger, onViolate func(string)) *Checker {
	return &Checker{log: log, onViolate: onViolate, documented: map[string]bool{}, answered: map[string]bool{}}
}

// Operations are the operations of the functions wrapped, "function
// METHOD path", and which of them answered 2xx at least once: those whose
// success answers the traffic checked.
func (c *Checker) Operations() (documented, answered []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for op := range c.documented {
		documented = append(documented, op)
	}
	for op := range c.answered {
		answered = append(answered, op)
	}
	sort.Strings(documented)
	sort.Strings(answered)
	return documented, answered
}

// Violations are the mismatches seen so far.
func (c *Checker) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.violations...)
}

// Exchanges is how many request and answer pairs were checked.
func (c *Checker) Exchanges() int64 { return c.exchanges.Load() }

func (c *Checker) violate(msg string) {
	c.mu.Lock()
	c.violations = append(c.violations, msg)
	c.mu.Unlock()
	if c.log != nil {
		c.log.Error("contract: an exchange does not match the OpenAPI document", "violation", msg)
	}
	if c.onViolate != nil {
		c.onViolate(msg)
	}
}

func init() {
	// The console's page and files: kept as text, checked by media type.
	for _, mt := range []string{"text/html", "text/javascript", "text/css"} {
		openapi3filter.RegisterBodyDecoder(mt, openapi3filter.PlainBodyDecoder)
	}
}

// route is one operation of a function's document.
type route struct {
	method string
	path   string // the document's path template
	item   *openapi3.PathItem
	op     *openapi3.Operation
}

// ServeHTTP makes route a ServeMux handler, so the mux's own matching
// (the functions' router) finds the operation.
func (route) ServeHTTP(http.ResponseWriter, *http.Request) {}

// function is one function's document and its routes.
type function struct {
	name string
	doc  *openapi3.T
	mux  *http.ServeMux
	ops  []string // "name METHOD path"
}

// load reads the named function's part of the document.
func load(name string) (*function, error) {
	b, err := openapi.For(name)
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("contract: %s's document: %w", name, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contract: %s's document: %w", name, err)
	}
	routes, err := openapi.Routes(name)
	if err != nil {
		return nil, err
	}
	f := &function{name: name, doc: doc, mux: http.NewServeMux()}
	for _, r := range routes {
		item := doc.Paths.Find(r.Path)
		rt := route{method: r.Method, path: r.Path, item: item, op: item.GetOperation(r.Method)}
		f.ops = append(f.ops, name+" "+r.Pattern())
		for _, p := range append([]string{r.Path}, r.Aliases...) {
			if p == "/" {
				p = "/{$}" // the document's "/" is the root only
			}
			f.mux.Handle(r.Method+" "+p, rt)
		}
	}
	return f, nil
}

// Wrap puts the checker around the named function's handler. A function
// the document does not describe is an error.
func (c *Checker) Wrap(name string, next http.Handler) (http.Handler, error) {
	f, err := load(name)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	for _, op := range f.ops {
		c.documented[op] = true
	}
	c.mu.Unlock()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r) // CORS preflights are not in the document
			return
		}
		body, whole, err := keep(r)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		c.exchanges.Add(1)
		op, msg := f.check(r, body, whole, rec)
		if op != "" && rec.status()/100 == 2 {
			c.mu.Lock()
			c.answered[op] = true
			c.mu.Unlock()
		}
		if msg != "" {
			c.violate(fmt.Sprintf("%s %s %s → %d: %s", name, r.Method, r.URL.RequestURI(), rec.status(), msg))
		}
	}), nil
}

// keep reads up to MaxBody of r's body and gives r a body that replays it
// followed by the rest; whole says the copy is the entire body.
func keep(r *http.Request) (body []byte, whole bool, err error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true, nil
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, false, err
	}
	whole = len(body) <= MaxBody
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	return body, whole, nil
}

// check validates one exchange: the operation it matched ("" for none)
// and what does not match ("" when it does).
func (f *function) check(r *http.Request, body []byte, wholeBody bool, rec *recorder) (op, violation string) {
	status := rec.status()
	h, pattern := f.mux.Handler(r)
	rt, ok := h.(route)
	if pattern == "" || !ok {
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			return "", "a route the document does not describe answered other than 404 or 405"
		}
		return "", f.checkError(rec)
	}
	op = f.name + " " + rt.method + " " + rt.path
	return op, f.validate(r, rt, body, wholeBody, rec)
}

// validate checks the exchange against rt's operation.
func (f *function) validate(r *http.Request, rt route, body []byte, wholeBody bool, rec *recorder) string {
	status := rec.status()
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(body))
	opts := &openapi3filter.Options{
		AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
		ExcludeRequestBody:  !wholeBody,
		ExcludeResponseBody: rec.truncated,
		// The status must be one the operation documents (its default
		// stands for the error statuses, with valet's error body).
		IncludeResponseStatus: true,
		MultiError:            true,
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: pathParams(rt.path, r.URL),
		Route:      &routers.Route{Spec: f.doc, Path: rt.path, PathItem: rt.item, Method: r.Method, Operation: rt.op},
		Options:    opts,
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && status/100 == 2 {
		return "the function accepted a request the document refuses: " + oneLine(err)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: rec.Header(),
		Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())), Options: opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return "the answer does not match the document: " + oneLine(err)
	}
	return ""
}

// checkError validates the 404 or 405 of an undescribed route: valet's
// error body.
func (f *function) checkError(rec *recorder) string {
	schema := f.doc.Components.Schemas["Error"]
	if schema == nil || rec.truncated {
		return ""
	}
	var v any
	if err := jsonDecode(rec.body.Bytes(), &v); err != nil {
		return "the 404 or 405 of a route the document does not describe is not JSON: " + oneLine(err)
	}
	if err := schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		return "the 404 or 405 of a route the document does not describe is not the error body: " + oneLine(err)
	}
	return ""
}

// pathParams matches the request path against the template's {name}
// segments.
func pathParams(template string, u *url.URL) map[string]string {
	params := map[string]string{}
	tpl := strings.Split(template, "/")
	got := strings.Split(u.EscapedPath(), "/")
	for i, seg := range tpl {
		if i >= len(got) || !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			continue
		}
		v, err := url.PathUnescape(got[i])
		if err != nil {
			v = got[i]
		}
		params[strings.Trim(seg, "{}")] = v
	}
	return params
}

// oneLine is err's message on one line, cut at 600 bytes (a schema error
// quotes the schema).
func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}
