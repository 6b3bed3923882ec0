package labels

import (
	"fmt"
	"strings"
	"unicode"
)

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokEq    // =
	tokDEq   // ==
	tokNEq   // !=
	tokNot   // !
	tokOpen  // (
	tokClose // )
	tokComma // ,
)

type token struct {
	kind tokenKind
	text string
	pos  int
}

func (t token) describe() string {
	if t.kind == tokEOF {
		return "end of selector"
	}
	return fmt.Sprintf("%q", t.text)
}

func lex(s string) []token {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tokOpen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tokClose, ")", i})
			i++
		case c == ',':
			toks = append(toks, token{tokComma, ",", i})
			i++
		case c == '=':
			if strings.HasPrefix(s[i:], "==") {
				toks = append(toks, token{tokDEq, "==", i})
				i += 2
			} else {
				toks = append(toks, token{tokEq, "=", i})
				i++
			}
		case c == '!':
			if strings.HasPrefix(s[i:], "!=") {
				toks = append(toks, token{tokNEq, "!=", i})
				i += 2
			} else {
				toks = append(toks, token{tokNot, "!", i})
				i++
			}
		default:
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\r\n(),=!", rune(s[i])) {
				i++
			}
			toks = append(toks, token{tokIdent, s[start:i], start})
		}
	}
	return append(toks, token{tokEOF, "", len(s)})
}

type parser struct {
	src  string
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return fmt.Errorf("unable to parse label selector %q at position %d: %s", p.src, t.pos, fmt.Sprintf(format, args...))
}

// Parse parses the string form of a selector: comma-separated terms
// `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k` (exists) and `!k`
// (does not exist). An empty string matches everything.
func Parse(s string) (Selector, error) {
	if strings.TrimFunc(s, unicode.IsSpace) == "" {
		return Everything(), nil
	}
	p := &parser{src: s, toks: lex(s)}
	var rs []Requirement
	for {
		r, err := p.requirement()
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
		t := p.next()
		if t.kind == tokEOF {
			break
		}
		if t.kind != tokComma {
			return nil, p.errorf(t, "found %s, expected ',' or end of selector", t.describe())
		}
	}
	return newRequirements(rs), nil
}

func (p *parser) requirement() (Requirement, error) {
	t := p.next()
	switch t.kind {
	case tokNot:
		k := p.next()
		if k.kind != tokIdent {
			return Requirement{}, p.errorf(k, "found %s, expected a label key after '!'", k.describe())
		}
		return p.build(k, DoesNotExist, nil)
	case tokIdent:
	default:
		return Requirement{}, p.errorf(t, "found %s, expected a label key", t.describe())
	}
	key := t
	op := p.peek()
	switch {
	case op.kind == tokEOF || op.kind == tokComma:
		return p.build(key, Exists, nil)
	case op.kind == tokEq || op.kind == tokDEq || op.kind == tokNEq:
		p.next()
		v := p.peek()
		switch v.kind {
		case tokIdent:
			p.next()
			return p.build(key, op.text, []string{v.text})
		case tokEOF, tokComma:
			return p.build(key, op.text, []string{""})
		}
		return Requirement{}, p.errorf(v, "found %s, expected a value after %q", v.describe(), op.text)
	case op.kind == tokIdent && (op.text == In || op.text == NotIn):
		p.next()
		if o := p.next(); o.kind != tokOpen {
			return Requirement{}, p.errorf(o, "found %s, expected '(' after %q", o.describe(), op.text)
		}
		var values []string
		for {
			v := p.next()
			switch v.kind {
			case tokClose:
				if len(values) > 0 {
					return Requirement{}, p.errorf(v, "found ')', expected a value after ','")
				}
				return p.build(key, op.text, values)
			case tokIdent:
				values = append(values, v.text)
			default:
				return Requirement{}, p.errorf(v, "found %s, expected a value or ')'", v.describe())
			}
			sep := p.next()
			if sep.kind == tokClose {
				return p.build(key, op.text, values)
			}
			if sep.kind != tokComma {
				return Requirement{}, p.errorf(sep, "found %s, expected ',' or ')'", sep.describe())
			}
		}
	}
	return Requirement{}, p.errorf(op, "found %s, expected an operator (=, ==, !=, in, notin), ',' or end of selector", op.describe())
}

func (p *parser) build(key token, op string, values []string) (Requirement, error) {
	r, err := NewRequirement(key.text, op, values)
	if err != nil {
		return Requirement{}, p.errorf(key, "%v", err)
	}
	return r, nil
}
