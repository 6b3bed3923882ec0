package kubectl

// This file is kubectl's JSONPath template language
// (https://kubernetes.io/docs/reference/kubectl/jsonpath/): a parser of the
// template into nodes and an evaluator of the nodes over decoded JSON
// (map[string]any, []any, string, int64, float64, bool, nil; see
// unstructuredOf). It follows the real kubectl's engine
// (k8s.io/client-go/util/jsonpath) observably, quirks included, so that a
// template prints here exactly what it prints there; the one deliberate
// difference is that maps are walked in sorted key order ({..x}, {.*}), where
// the real engine's order is random.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// jpNode is one node of a parsed template.
type jpNode interface{}

type (
	// jpList is a sequence of nodes applied one after the other: one {...}
	// action, the whole template (its root) or a sub-expression.
	jpList struct{ nodes []jpNode }
	// jpText is literal text, outside an action or a quoted string in one.
	jpText struct{ text string }
	// jpField is .name: the value of a map key.
	jpField struct{ name string }
	// jpArray is [n], [-n], [start:end:step] and [*].
	jpArray struct{ params [3]jpSliceParam }
	// jpFilter is [?(left op right)], or [?(left)] (op "exists").
	jpFilter struct {
		left, right *jpList
		op          string
	}
	jpInt       struct{ value int }
	jpFloat     struct{ value float64 }
	jpBool      struct{ value bool }
	jpWildcard  struct{} // .*
	jpRecursive struct{} // ..
	// jpUnion is [a,b,...]: each part evaluated on the same input.
	jpUnion struct{ parts []*jpList }
	// jpIdent is a bare word: range, end (or an error when evaluated).
	jpIdent struct{ name string }
)

// jpSliceParam is one of start, end and step of an array node.
type jpSliceParam struct {
	value   int
	known   bool
	derived bool // end of [n], which is n+1
}

const (
	jpLeftDelim  = "{"
	jpRightDelim = "}"
	jpEOF        = -1
)

// jpParser is a rune scanner over the template text.
type jpParser struct {
	input string
	start int // start of the text not yet consumed
	pos   int
	width int // width of the last rune read, for backup
}

// parseJSONPath parses a template into its root list: text nodes and one
// list node per {...} action.
func parseJSONPath(text string) (*jpList, error) {
	p := &jpParser{input: text}
	root := &jpList{}
	if err := p.parseText(root); err != nil {
		return nil, err
	}
	return root, nil
}

// parseSubAction parses text as if it were the single action {text}.
func parseSubAction(text string) (*jpList, error) {
	return parseJSONPath(jpLeftDelim + text + jpRightDelim)
}

func (p *jpParser) next() rune {
	if p.pos >= len(p.input) {
		p.width = 0
		return jpEOF
	}
	r, w := utf8.DecodeRuneInString(p.input[p.pos:])
	p.width = w
	p.pos += w
	return r
}

func (p *jpParser) backup() { p.pos -= p.width }

func (p *jpParser) peek() rune {
	r := p.next()
	p.backup()
	return r
}

func (p *jpParser) consume() string {
	s := p.input[p.start:p.pos]
	p.start = p.pos
	return s
}

func (l *jpList) add(n jpNode) { l.nodes = append(l.nodes, n) }

// parseText reads literal text and actions until the end of the input.
func (p *jpParser) parseText(root *jpList) error {
	for {
		i := strings.Index(p.input[p.pos:], jpLeftDelim)
		if i < 0 {
			p.pos = len(p.input)
			if p.pos > p.start {
				root.add(&jpText{text: p.consume()})
			}
			return nil
		}
		p.pos += i
		if p.pos > p.start {
			root.add(&jpText{text: p.consume()})
		}
		p.pos += len(jpLeftDelim)
		p.consume()
		action := &jpList{}
		root.add(action)
		if err := p.parseAction(action); err != nil {
			return err
		}
	}
}

// parseAction reads the inside of one {...} up to and including its "}".
func (p *jpParser) parseAction(cur *jpList) error {
	for {
		rest := p.input[p.pos:]
		var err error
		switch {
		case strings.HasPrefix(rest, jpRightDelim):
			p.pos += len(jpRightDelim)
			p.consume()
			return nil
		case strings.HasPrefix(rest, "[?("):
			err = p.parseFilter(cur)
		case strings.HasPrefix(rest, ".."):
			err = p.parseRecursive(cur)
		default:
			switch r := p.next(); {
			case r == jpEOF || r == '\r' || r == '\n':
				return errors.New("unclosed action")
			case r == ' ', r == '@', r == '$': // the current object: nothing to do
				p.consume()
			case r == '[':
				err = p.parseArray(cur)
			case r == '"' || r == '\'':
				err = p.parseQuote(cur, r)
			case r == '.':
				err = p.parseField(cur)
			case r == '+' || r == '-' || unicode.IsDigit(r):
				p.backup()
				err = p.parseNumber(cur)
			case isJPAlphaNumeric(r):
				p.backup()
				err = p.parseIdentifier(cur)
			default:
				return fmt.Errorf("unrecognized character in action: %#U", r)
			}
		}
		if err != nil {
			return err
		}
	}
}

func isJPAlphaNumeric(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// isJPTerminator ends a field name or an identifier.
func isJPTerminator(r rune) bool {
	switch r {
	case jpEOF, ' ', '\t', '\r', '\n', '.', ',', '[', ']', '$', '@', '{', '}':
		return true
	}
	return false
}

// parseIdentifier reads a bare word: true, false, range, end, ...
func (p *jpParser) parseIdentifier(cur *jpList) error {
	for !isJPTerminator(p.next()) {
	}
	p.backup()
	switch v := p.consume(); v {
	case "true", "false":
		cur.add(&jpBool{value: v == "true"})
	default:
		cur.add(&jpIdent{name: v})
	}
	return nil
}

// parseNumber reads an int or a float literal.
func (p *jpParser) parseNumber(cur *jpList) error {
	if r := p.peek(); r == '+' || r == '-' {
		p.next()
	}
	for {
		r := p.next()
		if r != '.' && !unicode.IsDigit(r) {
			p.backup()
			break
		}
	}
	v := p.consume()
	if i, err := strconv.Atoi(v); err == nil {
		cur.add(&jpInt{value: i})
		return nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		cur.add(&jpFloat{value: f})
		return nil
	}
	return fmt.Errorf("cannot parse number %s", v)
}

// parseRecursive reads "..", possibly followed directly by a field name.
func (p *jpParser) parseRecursive(cur *jpList) error {
	if n := len(cur.nodes); n > 0 {
		if _, ok := cur.nodes[n-1].(*jpRecursive); ok {
			return errors.New("invalid multiple recursive descent")
		}
	}
	p.pos += len("..")
	p.consume()
	cur.add(&jpRecursive{})
	if isJPAlphaNumeric(p.peek()) {
		return p.parseField(cur)
	}
	return nil
}

// parseField reads a field name after "."; a backslash escapes the next
// rune (\. is a dot inside the name) and is dropped.
func (p *jpParser) parseField(cur *jpList) error {
	p.consume()
	for {
		r := p.next()
		if r == '\\' {
			p.next()
			continue
		}
		if isJPTerminator(r) {
			p.backup()
			break
		}
	}
	v := p.consume()
	if v == "*" {
		cur.add(&jpWildcard{})
	} else {
		cur.add(&jpField{name: strings.ReplaceAll(v, `\`, "")})
	}
	return nil
}

var (
	jpDictKey  = regexp.MustCompile(`^'([^']*)'$`)
	jpSliceOps = regexp.MustCompile(`^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$`)
	jpFilterOp = regexp.MustCompile(`^([^!<>=]+)([!<>=]+)(.+?)$`)
)

// parseArray reads [...] after its "[": an index or slice, [*], a quoted
// key ['name'], or a union [a,b].
func (p *jpParser) parseArray(cur *jpList) error {
	for {
		r := p.next()
		if r == jpEOF || r == '\n' {
			return errors.New("unterminated array")
		}
		if r == ']' {
			break
		}
	}
	text := p.consume()
	text = text[1 : len(text)-1]
	if text == "*" {
		text = ":"
	}
	if parts := strings.Split(text, ","); len(parts) > 1 {
		u := &jpUnion{}
		for _, part := range parts {
			l, err := parseSubAction("[" + strings.Trim(part, " ") + "]")
			if err != nil {
				return err
			}
			u.parts = append(u.parts, l)
		}
		cur.add(u)
		return nil
	}
	if m := jpDictKey.FindStringSubmatch(text); m != nil {
		// ['key'] is .key, parsed as such (so a dot in key still splits it,
		// as in the real kubectl).
		l, err := parseSubAction("." + m[1])
		if err != nil {
			return err
		}
		for _, n := range l.nodes {
			cur.add(n)
		}
		return nil
	}
	m := jpSliceOps.FindStringSubmatch(text)
	if m == nil {
		return fmt.Errorf("invalid array index %s", text)
	}
	var params [3]jpSliceParam
	for i, s := range m[1:] {
		switch {
		case s == "" && i == 1: // [n] is [n:n+1]
			params[i] = jpSliceParam{value: params[0].value + 1, known: true, derived: true}
		case s == "":
		default:
			if i > 0 {
				s = s[1:]
			}
			if i > 0 && s == "" {
				break
			}
			v, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("array index %s is not a number", s)
			}
			params[i] = jpSliceParam{value: v, known: true}
		}
	}
	cur.add(&jpArray{params: params})
	return nil
}

// parseQuote reads a quoted string (its opening quote already read).
func (p *jpParser) parseQuote(cur *jpList, quote rune) error {
	for {
		r := p.next()
		if r == jpEOF || r == '\n' {
			return errors.New("unterminated quoted string")
		}
		if r == quote && p.input[p.pos-2] != '\\' {
			break
		}
	}
	v := p.consume()
	s, err := unquoteJP(v)
	if err != nil {
		return fmt.Errorf("unquote string %s error %v", v, err)
	}
	cur.add(&jpText{text: s})
	return nil
}

// unquoteJP is strconv.Unquote for "..." and '...' strings of any length
// (Go's single quotes hold one rune only).
func unquoteJP(s string) (string, error) {
	n := len(s)
	if n < 2 || s[0] != s[n-1] || (s[0] != '"' && s[0] != '\'') {
		return "", strconv.ErrSyntax
	}
	quote := s[0]
	s = s[1 : n-1]
	if !strings.ContainsRune(s, '\\') && !strings.ContainsRune(s, rune(quote)) {
		return s, nil
	}
	var b strings.Builder
	for len(s) > 0 {
		c, multibyte, rest, err := strconv.UnquoteChar(s, quote)
		if err != nil {
			return "", err
		}
		s = rest
		if c < utf8.RuneSelf || !multibyte {
			b.WriteByte(byte(c))
		} else {
			b.WriteRune(c)
		}
	}
	return b.String(), nil
}

// parseFilter reads [?(...)] into a filter of left op right.
func (p *jpParser) parseFilter(cur *jpList) error {
	p.pos += len("[?(")
	p.consume()
	begin, end := false, false
	var pair rune
loop:
	for {
		switch r := p.next(); r {
		case jpEOF, '\n':
			return errors.New("unterminated filter")
		case '"', '\'':
			if !begin {
				begin, pair = true, r
				continue
			}
			if p.input[p.pos-2] != '\\' && r == pair {
				end = true
			}
		case ')':
			// a ) inside the quoted right operand does not close
			if begin == end {
				break loop
			}
		}
	}
	if p.next() != ']' {
		return errors.New("unclosed array expect ]")
	}
	text := p.consume()
	text = text[:len(text)-2]
	m := jpFilterOp.FindStringSubmatch(text)
	if m == nil {
		l, err := parseSubAction(text)
		if err != nil {
			return err
		}
		cur.add(&jpFilter{left: l, right: &jpList{}, op: "exists"})
		return nil
	}
	left, err := parseSubAction(m[1])
	if err != nil {
		return err
	}
	right, err := parseSubAction(m[3])
	if err != nil {
		return err
	}
	cur.add(&jpFilter{left: left, right: right, op: m[2]})
	return nil
}

// jsonPathTemplate is a parsed template and how it evaluates.
type jsonPathTemplate struct {
	root         *jpList
	allowMissing bool // a missing key yields nothing instead of an error
	asJSON       bool // print each action's results as one indented JSON array
}

func newJSONPathTemplate(text string) (*jsonPathTemplate, error) {
	root, err := parseJSONPath(text)
	if err != nil {
		return nil, err
	}
	return &jsonPathTemplate{root: root}, nil
}

// jpEval is the state of one evaluation: the range bookkeeping of the real
// engine, whose {range}...{end} are flat nodes of the root list.
type jpEval struct {
	allowMissing bool
	nodes        []jpNode // the root's nodes
	beginRange   int      // range nodes seen whose loop has not started
	inRange      int      // loops running
	endRange     int      // end nodes seen and not yet acted on
	lastEnd      int      // root index of the last end node acted on
}

// findResults evaluates the template over data: one result list per
// printed node (text or action), in order.
func (t *jsonPathTemplate) findResults(data any) ([][]any, error) {
	e := &jpEval{allowMissing: t.allowMissing, nodes: t.root.nodes, lastEnd: -1}
	return e.run(data, 0)
}

// run evaluates the root nodes from start on data, up to the end node that
// closes the range being run, if any.
func (e *jpEval) run(data any, start int) ([][]any, error) {
	var full [][]any
	cur := []any{data}
	for i := start; i < len(e.nodes); i++ {
		results, err := e.walk(cur, e.nodes[i])
		if err != nil {
			return nil, err
		}
		if e.endRange > 0 && e.endRange <= e.inRange {
			e.endRange--
			e.lastEnd = i
			break
		}
		if e.beginRange > 0 {
			e.beginRange--
			e.inRange++
			if len(results) > 0 {
				for _, v := range results {
					sub, err := e.run(v, i+1)
					if err != nil {
						return nil, err
					}
					full = append(full, sub...)
				}
			} else if _, err := e.run(nil, i+1); err != nil {
				// an empty range still runs its body once, on nothing, to
				// find its end (and fails where a key is required)
				return nil, err
			}
			e.inRange--
			for k := i + 1; k < len(e.nodes); k++ {
				if k == e.lastEnd {
					i = k
					break
				}
			}
			continue
		}
		full = append(full, results)
	}
	return full, nil
}

func (e *jpEval) walk(in []any, n jpNode) ([]any, error) {
	switch n := n.(type) {
	case *jpList:
		return e.evalList(in, n)
	case *jpText:
		return []any{n.text}, nil
	case *jpField:
		return e.evalField(in, n)
	case *jpArray:
		return e.evalArray(in, n)
	case *jpFilter:
		return e.evalFilter(in, n)
	case *jpInt:
		return []any{n.value}, nil
	case *jpFloat:
		return []any{n.value}, nil
	case *jpBool:
		return []any{n.value}, nil
	case *jpWildcard:
		return evalWildcard(in), nil
	case *jpRecursive:
		return evalRecursive(in), nil
	case *jpUnion:
		var out []any
		for _, part := range n.parts {
			vs, err := e.evalList(in, part)
			if err != nil {
				return in, err
			}
			out = append(out, vs...)
		}
		return out, nil
	case *jpIdent:
		return e.evalIdent(in, n)
	}
	return in, fmt.Errorf("unexpected Node %v", n)
}

func (e *jpEval) evalList(in []any, l *jpList) ([]any, error) {
	cur := in
	for _, n := range l.nodes {
		var err error
		if cur, err = e.walk(cur, n); err != nil {
			return cur, err
		}
	}
	return cur, nil
}

func (e *jpEval) evalIdent(in []any, n *jpIdent) ([]any, error) {
	switch n.name {
	case "range":
		e.beginRange++
		return in, nil
	case "end":
		if e.inRange == 0 {
			return nil, errors.New("not in range, nothing to end")
		}
		e.endRange++
		return nil, nil
	}
	return in, fmt.Errorf("unrecognized identifier %v", n.name)
}

func (e *jpEval) evalField(in []any, n *jpField) ([]any, error) {
	if len(in) == 0 {
		return nil, nil
	}
	var out []any
	for _, v := range in {
		if m, ok := v.(map[string]any); ok {
			if x, found := m[n.name]; found {
				out = append(out, x)
			}
		}
	}
	if len(out) == 0 && !e.allowMissing {
		return nil, fmt.Errorf("%s is not found", n.name)
	}
	return out, nil
}

func (e *jpEval) evalArray(in []any, n *jpArray) ([]any, error) {
	var out []any
	for _, v := range in {
		if v == nil {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return in, fmt.Errorf("%v is not array or slice", reflect.TypeOf(v))
		}
		p := n.params
		length := len(list)
		if !p[0].known {
			p[0].value = 0
		}
		if p[0].value < 0 {
			p[0].value += length
		}
		if !p[1].known {
			p[1].value = length
		}
		if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
			p[1].value += length
		}
		if p[1].value == p[0].value { // zero elements asked for
			return out, nil
		}
		if p[0].value >= length || p[0].value < 0 {
			return in, fmt.Errorf("array index out of bounds: index %d, length %d", p[0].value, length)
		}
		if p[1].value > length || p[1].value < 0 {
			return in, fmt.Errorf("array index out of bounds: index %d, length %d", p[1].value-1, length)
		}
		if p[0].value > p[1].value {
			return in, fmt.Errorf("starting index %d is greater than ending index %d", p[0].value, p[1].value)
		}
		step := 1
		if p[2].known {
			if p[2].value <= 0 {
				return in, errors.New("step must be > 0")
			}
			step = p[2].value
		}
		for i := p[0].value; i < p[1].value; i += step {
			out = append(out, list[i])
		}
	}
	return out, nil
}

func (e *jpEval) evalFilter(in []any, n *jpFilter) ([]any, error) {
	var out []any
	for _, v := range in {
		list, ok := v.([]any)
		if !ok {
			return in, fmt.Errorf("%v is not array or slice and cannot be filtered", v)
		}
		for _, item := range list {
			lefts, err := e.evalList([]any{item}, n.left)
			if n.op == "exists" {
				if len(lefts) > 0 {
					out = append(out, item)
				}
				continue
			}
			if err != nil {
				return in, err
			}
			left, ok, err := jpOperand(lefts)
			if err != nil || !ok {
				if err != nil {
					return in, err
				}
				continue
			}
			rights, err := e.evalList([]any{item}, n.right)
			if err != nil {
				return in, err
			}
			right, ok, err := jpOperand(rights)
			if err != nil || !ok {
				if err != nil {
					return in, err
				}
				continue
			}
			pass, err := jpCompare(n.op, left, right)
			if err != nil {
				return out, err
			}
			if pass {
				out = append(out, item)
			}
		}
	}
	return out, nil
}

// jpOperand is the one value a side of a comparison must have (none: the
// item is skipped).
func jpOperand(vs []any) (any, bool, error) {
	switch len(vs) {
	case 0:
		return nil, false, nil
	case 1:
		return vs[0], true, nil
	}
	return nil, false, errors.New("can only compare one element at a time")
}

// children are the values inside a map (in key order), a list, or a string
// (its bytes, as the real engine walks strings).
func children(v any) []any {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = v[k]
		}
		return out
	case []any:
		return v
	case string:
		out := make([]any, len(v))
		for i := 0; i < len(v); i++ {
			out[i] = v[i]
		}
		return out
	}
	return nil
}

func evalWildcard(in []any) []any {
	var out []any
	for _, v := range in {
		out = append(out, children(v)...)
	}
	return out
}

// evalRecursive is every value with children at or under the input, in
// pre-order.
func evalRecursive(in []any) []any {
	var out []any
	for _, v := range in {
		if kids := children(v); len(kids) > 0 {
			out = append(out, v)
			out = append(out, evalRecursive(kids)...)
		}
	}
	return out
}

// Comparison follows Go templates' eq/lt: both sides of one basic kind.
type jpKind int

const (
	jpInvalidKind jpKind = iota
	jpBoolKind
	jpIntKind
	jpUintKind
	jpFloatKind
	jpStringKind
)

var (
	errJPBadComparisonType = errors.New("invalid type for comparison")
	errJPBadComparison     = errors.New("incompatible types for comparison")
)

func jpKindOf(v any) (jpKind, error) {
	switch v.(type) {
	case bool:
		return jpBoolKind, nil
	case int, int64:
		return jpIntKind, nil
	case uint8:
		return jpUintKind, nil
	case float64:
		return jpFloatKind, nil
	case string:
		return jpStringKind, nil
	}
	return jpInvalidKind, errJPBadComparisonType
}

func jpKinds(a, b any) (jpKind, error) {
	ka, err := jpKindOf(a)
	if err != nil {
		return ka, err
	}
	kb, err := jpKindOf(b)
	if err != nil {
		return kb, err
	}
	if ka != kb {
		return ka, errJPBadComparison
	}
	return ka, nil
}

func jpInt64(v any) int64 {
	if i, ok := v.(int); ok {
		return int64(i)
	}
	return v.(int64)
}

func jpEqual(a, b any) (bool, error) {
	k, err := jpKinds(a, b)
	if err != nil {
		return false, err
	}
	if k == jpIntKind {
		return jpInt64(a) == jpInt64(b), nil
	}
	return a == b, nil
}

func jpLess(a, b any) (bool, error) {
	k, err := jpKinds(a, b)
	if err != nil {
		return false, err
	}
	switch k {
	case jpIntKind:
		return jpInt64(a) < jpInt64(b), nil
	case jpUintKind:
		return a.(uint8) < b.(uint8), nil
	case jpFloatKind:
		return a.(float64) < b.(float64), nil
	case jpStringKind:
		return a.(string) < b.(string), nil
	}
	return false, errJPBadComparisonType
}

func jpLessEqual(a, b any) (bool, error) {
	if lt, err := jpLess(a, b); lt || err != nil {
		return lt, err
	}
	return jpEqual(a, b)
}

func jpCompare(op string, a, b any) (bool, error) {
	switch op {
	case "==":
		return jpEqual(a, b)
	case "!=":
		eq, err := jpEqual(a, b)
		return !eq && err == nil, err
	case "<":
		return jpLess(a, b)
	case "<=":
		return jpLessEqual(a, b)
	case ">":
		le, err := jpLessEqual(a, b)
		return !le && err == nil, err
	case ">=":
		lt, err := jpLess(a, b)
		return !lt && err == nil, err
	}
	return false, fmt.Errorf("unrecognized filter operator %s", op)
}

// execute evaluates the template over data and writes what kubectl prints:
// nothing at all if the evaluation fails.
func (t *jsonPathTemplate) execute(w io.Writer, data any) error {
	results, err := t.findResults(data)
	if err != nil {
		return err
	}
	for _, r := range results {
		if err := t.printResults(w, r); err != nil {
			return err
		}
	}
	return nil
}

// printResults writes one node's values separated by spaces: maps and lists
// as compact JSON, the rest as text (null for a JSON null); as JSON, the
// values together as one indented JSON array.
func (t *jsonPathTemplate) printResults(w io.Writer, results []any) error {
	if t.asJSON {
		all := make([]any, 0, len(results))
		all = append(all, results...)
		b, err := json.MarshalIndent(all, "", "    ")
		if err != nil {
			return fmt.Errorf("encode JSON: %w", err)
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	for i, r := range results {
		var text []byte
		switch r.(type) {
		case map[string]any, []any:
			b, err := json.Marshal(r)
			if err != nil {
				return fmt.Errorf("encode JSON: %w", err)
			}
			text = b
		case nil:
			text = []byte("null")
		default:
			text = []byte(fmt.Sprint(r))
		}
		if i != len(results)-1 {
			text = append(text, ' ')
		}
		if _, err := w.Write(text); err != nil {
			return err
		}
	}
	return nil
}
